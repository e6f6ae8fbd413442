#!/usr/bin/env bash
# Bootstraps the pinned Cake tool and runs build.cake: ./build.sh --target=Demo|Test|Build|Nab|Bench [options]
# A target's closing lines (e.g. "N passed, N failed") are printed again last, after Cake's task report.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet tool restore > /dev/null || exit 1
rm -f artifacts/summary.txt
dotnet cake build.cake "$@"
status=$?
[ -f artifacts/summary.txt ] && cat artifacts/summary.txt
exit "$status"
