#!/usr/bin/env bash
# Makes sure the C libraries CellTrace links against are installed (Debian packages).
# As root it installs what is missing with apt-get; otherwise it prints the exact command and fails.
set -euo pipefail

packages=(liblmdb-dev libssl-dev libjemalloc-dev pkg-config)
missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$package")
    fi
done

# The tests run Python tools: tools/verify_proof.py and tools/verify_bundle.py (the independent
# verifiers) need `cryptography`; tools/validate_epcis.py (GS1's EPCIS schema) and
# tools/validate_json_schema.py (PACT and Battery Pass schemas) need `jsonschema`, and the PACT
# OpenAPI files need `yaml` (pyyaml).
python_modules=(cryptography jsonschema yaml)
python_packages=(cryptography jsonschema pyyaml)
python_missing=()
for index in "${!python_modules[@]}"; do
    if ! python3 -c "import ${python_modules[$index]}" 2>/dev/null; then
        python_missing+=("${python_packages[$index]}")
    fi
done
python_ok=1
if [ "${#python_missing[@]}" -gt 0 ]; then
    python_ok=0
fi

if [ "${#missing[@]}" -eq 0 ] && [ "$python_ok" -eq 1 ]; then
    exit 0
fi

if [ "$python_ok" -eq 0 ]; then
    echo "Installing the Python packages ${python_missing[*]} ..." >&2
    python3 -m pip install --quiet "${python_missing[@]}" || {
        echo "Install them with: python3 -m pip install ${python_missing[*]}" >&2
        exit 1
    }
fi
if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi

command="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
    echo "CellTrace needs these Debian packages: ${missing[*]}" >&2
    echo "Install them as root, then run make again:" >&2
    echo "    sudo sh -c '$command'" >&2
    exit 1
fi

echo "Installing ${missing[*]} ..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
