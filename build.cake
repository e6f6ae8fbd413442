// The one build entry point: ./build.sh --target=<Target> [options]
//   Build   restore and compile everything (warnings are errors)
//   Test    every test project; prints "N passed, N failed" and writes it to artifacts/test-results/summary.txt
//   Demo    the whole system on this machine; --duration=<seconds> stops it, otherwise Ctrl-C
//   Nab     scores the detection configuration on a directory in NAB's layout: --nab-dir=<dir> (default ../shared/data/nab)
//   Bench   BenchmarkDotNet: points/s and allocations per detector; --filter=<glob> narrows it
using System.Xml.Linq;

var target = Argument("target", "Test");
var configuration = Argument("configuration", "Release");
var duration = Argument<string>("duration", null);
var patients = Argument("patients", 20);
var deteriorating = Argument("deteriorating", 3);
var nabDir = Argument("nab-dir", "../shared/data/nab");
var benchFilter = Argument("filter", "*");

var solution = File("./VitalTwin.slnx");
var testResults = Directory("./artifacts/test-results");

Task("Clean")
    .Does(() => CleanDirectories("./artifacts"));

Task("Restore")
    .Does(() => DotNetRestore(solution));

Task("Build")
    .IsDependentOn("Restore")
    .Does(() => DotNetBuild(solution, new DotNetBuildSettings { Configuration = configuration, NoRestore = true }));

Task("Test")
    .IsDependentOn("Build")
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
    System.IO.File.WriteAllText($"{testResults}/summary.txt", summary + Environment.NewLine);
    Information(summary);
    if (failure != null || failed > 0 || passed == 0)
    {
        throw new Exception($"Tests failed: {summary}", failure);
    }
});

Task("Demo")
    .IsDependentOn("Build")
    .Does(() =>
{
    var arguments = new ProcessArgumentBuilder()
        .Append($"artifacts/bin/VitalTwin.DevHost/{configuration.ToLowerInvariant()}/VitalTwin.DevHost.dll")
        .Append($"--patients={patients}")
        .Append($"--deteriorating={deteriorating}");
    if (!string.IsNullOrEmpty(duration))
    {
        arguments.Append($"--duration={duration}");
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
    DotNetRun("./services/Tools/VitalTwin.Nab/VitalTwin.Nab.csproj",
        new ProcessArgumentBuilder().Append($"--nab-dir={MakeAbsolute(Directory(nabDir))}"),
        new DotNetRunSettings { Configuration = "Release" });
});

Task("Bench")
    .Does(() =>
{
    // BenchmarkDotNet needs a Release build; its reports go to artifacts/benchmarks.
    DotNetRun("./tests/VitalTwin.Detection.Benchmarks/VitalTwin.Detection.Benchmarks.csproj",
        new ProcessArgumentBuilder().Append("--filter").AppendQuoted(benchFilter).Append("--artifacts").AppendQuoted(MakeAbsolute(Directory("./artifacts/benchmarks")).FullPath),
        new DotNetRunSettings { Configuration = "Release" });
});

RunTarget(target);
