using VitalTwin.TwinState.Benchmarks;

// Measures the twin memory and restart targets on simulated patients and exits 1 when one is missed, so the
// numbers cannot be ignored. `-- --patients <n>` runs a smaller smoke test that judges only the round trip.
const int Seed = 20_250_301;
if (args is ["whatif", ..])
{
    var hours = Array.IndexOf(args, "--hours") is var at and >= 0 ? int.Parse(args[at + 1], System.Globalization.CultureInfo.InvariantCulture) : 72;
    var whatIf = new WhatIfBenchmark(TimeSpan.FromHours(hours), Seed, Console.Out).Run();
    foreach (var (name, best, median, _) in whatIf)
    {
        Console.WriteLine($"{name}: best {best.TotalSeconds:N2} s, median {median.TotalSeconds:N2} s (target {WhatIfBenchmark.Target.TotalSeconds:N0} s)");
    }
    if (args.Contains("--influxd"))
    {
        var fromInflux = await new WhatIfInfluxBenchmark(TimeSpan.FromHours(hours), Seed, Console.Out).RunAsync();
        var best = fromInflux.MinBy(r => r.Read + r.Replay);
        Console.WriteLine($"read from influxd and replayed: best {(best.Read + best.Replay).TotalSeconds:N2} s (read {best.Read.TotalSeconds:N2} s, replay {best.Replay.TotalSeconds:N2} s)");
    }
    return 0;
}
var patients = args is ["--patients", var count] ? int.Parse(count, System.Globalization.CultureInfo.InvariantCulture) : TwinBenchmarkResults.TargetPatients;

var results = new TwinBenchmark(patients, Seed, Console.Out).Run();
var report = MarkdownReport.Render(results);
Console.WriteLine();
Console.Write(report);

if (results.IsTargetRun)
{
    var path = Path.Combine(RepositoryRoot(), "artifacts", "benchmarks", "twin-memory.md");
    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
    File.WriteAllText(path, report);
    Console.WriteLine($"Written to {path}");
}

return results.Passed ? 0 : 1;

static string RepositoryRoot()
{
    foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "VitalTwin.slnx")))
            {
                return dir.FullName;
            }
        }
    }

    return Environment.CurrentDirectory;
}
