#!/usr/bin/env bash
# A session with the edge-auth CLI against the demo configuration: check the configuration, sign
# a request, verify it, explain it, and see a tampered copy refused.
# Run from the project root: bash examples/cli-session.sh [config.json] [key-id]
set -euo pipefail

config=${1:-infra/demo-config.json}
key=${2:-AKIDEMO00000000000001}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo '$ edge-auth check-config'
npx edge-auth check-config --config "$config"

cat > "$work/request.json" <<'JSON'
{"method":"GET","url":"https://api.example.com/items?limit=10","headers":{}}
JSON

echo '$ edge-auth sign'
npx edge-auth sign --config "$config" --key "$key" < "$work/request.json" > "$work/signed.json"
cat "$work/signed.json"

echo '$ edge-auth verify'
npx edge-auth verify --config "$config" < "$work/signed.json"

echo '$ edge-auth explain'
npx edge-auth explain --config "$config" < "$work/signed.json"

echo '$ edge-auth verify (tampered query)'
sed 's/limit=10/limit=11/' "$work/signed.json" > "$work/tampered.json"
npx edge-auth verify --config "$config" < "$work/tampered.json" || echo "exit $?"
