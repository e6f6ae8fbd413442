using VitalTwin.Nab;
using VitalTwin.Nab.Benchmark;
using VitalTwin.Nab.Detectors;
using VitalTwin.Nab.Scoring;

try
{
    var options = NabOptions.Parse(args);
    Console.WriteLine($"NAB corpus: {options.NabDirectory}");
    Console.WriteLine($"Detector: {options.Detector.Describe()}");
    var files = NabBenchmark.Detect(options.NabDirectory, probation => new SpikeViewsScorer(options.Detector, probation), Console.Out);
    string profilesPath = Path.Combine(options.NabDirectory, "config", "profiles.json");
    var profiles = File.Exists(profilesPath) ? NabProfile.Load(profilesPath) : NabProfile.All;
    ConsoleReport.Write(Console.Out, profiles.Select(profile => NabBenchmark.Score(files, profile)).ToList());
    return 0;
}
catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or FormatException)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}
