using System.Diagnostics;
using VitalTwin.Clinical;
using VitalTwin.Clinical.Settings;
using VitalTwin.TwinState.Core;
using VitalTwin.TwinState.WhatIf;

namespace VitalTwin.TwinState.Benchmarks;


/// <summary>
/// SettingsSimulation's replay on 72 h of one patient's 1 Hz history (about 1.3 M readings over 5 vitals): a proposed
/// limit, which leaves the twin and detection shared by both variants, and a proposed sensitivity with SpO2 scale 2,
/// which shares nothing. Three timed runs each after a warm-up; the target is 3 s.
/// </summary>
internal sealed class WhatIfBenchmark(TimeSpan window, int seed, TextWriter log)
{
    public static readonly TimeSpan Target = TimeSpan.FromSeconds(3);
    private const int Runs = 3;

    private static readonly SettingProvenance Provenance = new("benchmark", "benchmark", RecordedPatient.Start, DateTimeOffset.MaxValue);

    /// <summary>A wider heart-rate high limit: the episodes' single-parameter alerts go.</summary>
    public static Clinical.Settings.AlarmSettings WiderLimit { get; } =
        new([new VitalAlarmSetting(VitalSign.HeartRate, null, 140, TimeSpan.Zero, DetectorSensitivity.Standard, Provenance)]);

    /// <summary>Detection and the twin change too: a quieter heart rate, SpO2 on scale 2.</summary>
    public static Clinical.Settings.AlarmSettings NothingShared { get; } =
        new([new VitalAlarmSetting(VitalSign.HeartRate, null, 140, TimeSpan.Zero, DetectorSensitivity.Low, Provenance)], Provenance);

    public IReadOnlyList<(string Case, TimeSpan Best, TimeSpan Median, SettingsSimulationResult Result)> Run()
    {
        log.WriteLine($"Load average at start: {MachineLoad.Read().Averages} ({Environment.ProcessorCount} cores).");
        var started = Stopwatch.StartNew();
        var readings = RecordedPatient.Recorded(window, seed);
        log.WriteLine($"{readings.Count:N0} readings over {window.TotalHours:N0} h generated in {started.Elapsed.TotalSeconds:N1} s.");
        var replay = new SettingsReplay(ReplayConfiguration.Shipped, VitalCatalogue.Default);

        // JIT and tiering on an hour of the same patient.
        var warmUp = RecordedPatient.Recorded(TimeSpan.FromHours(1), seed);
        _ = Replay(replay, warmUp, TimeSpan.FromHours(1), NothingShared);

        StageTimes(readings);
        var results = new List<(string, TimeSpan, TimeSpan, SettingsSimulationResult)>();
        foreach (var (name, proposed) in new[] { ("limit only (twin and detection shared)", WiderLimit), ("sensitivity and scale 2 (nothing shared)", NothingShared) })
        {
            var times = new List<TimeSpan>();
            SettingsSimulationResult? result = null;
            for (var run = 1; run <= Runs; run++)
            {
                var allocated = GC.GetTotalAllocatedBytes(precise: true);
                var clock = Stopwatch.StartNew();
                result = Replay(replay, readings, window, proposed);
                times.Add(clock.Elapsed);
                var perReading = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)readings.Count;
                log.WriteLine($"{name}, run {run}: {clock.Elapsed.TotalSeconds:N2} s, {perReading:N0} B allocated per reading; " +
                    $"{result.Current.Count} alerts in force, {result.Proposed.Count} proposed, {result.Disappeared.Count} disappear, {result.Appeared.Count} appear.");
            }
            times.Sort();
            results.Add((name, times[0], times[Runs / 2], result!));
        }
        return results;
    }

    /// <summary>Each stage alone on one thread, to show where the time goes.</summary>
    private void StageTimes(RecordedReadings readings)
    {
        var configuration = ReplayConfiguration.Shipped;
        var catalogue = VitalCatalogue.Default;
        var (from, to) = (RecordedPatient.Start, RecordedPatient.Start + window);
        var clock = Stopwatch.StartNew();
        var twin = TwinStage.Run("whatif-benchmark", readings, PatientContext.Unrecorded, Clinical.Settings.AlarmSettings.None, configuration, catalogue, from, to, CancellationToken.None);
        var twinTime = clock.Elapsed;
        clock.Restart();
        var detection = DetectionStage.Run("whatif-benchmark", readings, Clinical.Settings.AlarmSettings.None, configuration.Detection, catalogue, CancellationToken.None);
        var detectionTime = clock.Elapsed;
        clock.Restart();
        _ = PolicyStage.Run("whatif-benchmark", readings, twin, detection, WiderLimit, configuration, catalogue, from, to, CancellationToken.None);
        log.WriteLine($"Stages alone, one thread: twin {twinTime.TotalSeconds:N2} s ({twin.Count:N0} announcements), detection {detectionTime.TotalSeconds:N2} s ({detection.Count:N0} findings), policy {clock.Elapsed.TotalSeconds:N2} s.");
    }

    public static SettingsSimulationResult Replay(SettingsReplay replay, RecordedReadings readings, TimeSpan window, Clinical.Settings.AlarmSettings proposed) =>
        replay.RunAsync(
            new SettingsSimulationInput("whatif-benchmark", readings, RecordedPatient.Start, RecordedPatient.Start + window, PatientContext.Unrecorded, Clinical.Settings.AlarmSettings.None, proposed, []),
            CancellationToken.None).GetAwaiter().GetResult();
}
