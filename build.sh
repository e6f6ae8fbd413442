#!/usr/bin/env bash
# Bootstraps the pinned Cake tool and runs build.cake: ./build.sh --target=Demo|Test|Build [--duration=<seconds>]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet tool restore > /dev/null
exec dotnet cake build.cake "$@"
