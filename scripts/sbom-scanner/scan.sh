#!/bin/sh
# A minimal BuildKit SBOM generator: for the scanned root filesystem, one in-toto statement whose
# predicate is an SPDX document counting the files (BuildKit reads each file here as a statement).
set -e
mkdir -p "$BUILDKIT_SCAN_DESTINATION"
n=$(find "$BUILDKIT_SCAN_SOURCE" -type f | wc -l)
cat > "$BUILDKIT_SCAN_DESTINATION/$(basename "$BUILDKIT_SCAN_SOURCE").spdx.json" <<JSON
{"_type":"https://in-toto.io/Statement/v0.1","predicateType":"https://spdx.dev/Document","predicate":{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"stevedore-test-scan","documentNamespace":"https://stevedore.invalid/scan/$n","creationInfo":{"created":"2026-01-01T00:00:00Z","creators":["Tool: stevedore-test-scanner"]},"packages":[{"name":"scanned-files","SPDXID":"SPDXRef-files","downloadLocation":"NOASSERTION","comment":"$n files"}]}}
JSON
