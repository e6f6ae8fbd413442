using VitalTwin.AnomalyDetection.Core;
using VitalTwin.Clinical;
using VitalTwin.Clinical.Settings;
using PatientSettings = VitalTwin.Clinical.Settings.AlarmSettings;

namespace VitalTwin.AnomalyDetection.Tests;

/// <summary>A patient's per-vital detector sensitivity: fewer findings at LOW, more at HIGH, nothing learnt lost.</summary>
public class PersonalSensitivityTests
{
    private const string Patient = "patient-1";
    private static readonly SettingProvenance Provenance = new("Noisy probe, athletic", "dr-lee", Readings.Start.AddHours(-1), Readings.Start.AddDays(1));

    // Twenty minutes of a pulse with Gaussian noise and a jump every minute of a size from 2 to 6 standard deviations,
    // which a detector flags or not by its threshold, then a step up of 12 /min for ten minutes.
    internal static readonly double[] Series = [.. WithJumps(Gaussian(72, 3, 1200, seed: 7)), .. Gaussian(84, 3, 600, seed: 8)];

    [Fact]
    public void Low_flags_fewer_than_standard_which_flags_fewer_than_high_on_the_same_series()
    {
        var low = Findings(DetectorSensitivity.Low, Series);
        var standard = Findings(DetectorSensitivity.Standard, Series);
        var high = Findings(DetectorSensitivity.High, Series);

        Assert.True(low.Count < standard.Count && standard.Count < high.Count && low.Count > 0, $"LOW {low.Count}, STANDARD {standard.Count}, HIGH {high.Count}");
    }

    [Fact]
    public void Changing_the_sensitivity_and_back_keeps_what_the_detectors_learnt()
    {
        var untouched = Patient0();
        var changed = Patient0();
        var head = Series[..300];
        var tail = Series[300..];
        Observe(untouched, head, 0);
        Observe(changed, head, 0);

        changed.Personalise(Settings(DetectorSensitivity.High, version: 1));
        changed.Personalise(Settings(DetectorSensitivity.Standard, version: 2));

        var expected = Explanations(Observe(untouched, tail, 300));
        Assert.NotEmpty(expected);
        Assert.Equal(expected, Explanations(Observe(changed, tail, 300)));
    }

    [Fact]
    public void A_detector_personalised_mid_stream_scores_at_once_against_the_window_it_learnt()
    {
        // A fresh bank flags nothing before its window is full; one retuned keeps its full window and flags the spike.
        var retuned = Patient0();
        Observe(retuned, Series[..600], 0);
        retuned.Personalise(Settings(DetectorSensitivity.High, version: 1));

        var spike = retuned.Observe(VitalSign.HeartRate, 120, Readings.Start.AddSeconds(600), deviceFlaggedArtifact: false);

        Assert.Contains(spike.Findings, f => f.Kind == AnomalyKind.Spike);
        Assert.Equal(DetectorSensitivity.High, retuned.Vitals[VitalSign.HeartRate].Sensitivity);
    }

    [Fact]
    public void Unchanged_settings_are_not_applied_again()
    {
        var patient = Patient0();
        Observe(patient, Series[..10], 0);
        patient.Personalise(Settings(DetectorSensitivity.Low, version: 4));
        patient.Checkpoint();

        patient.Personalise(Settings(DetectorSensitivity.Low, version: 4));

        Assert.False(patient.Dirty);
    }

    [Fact]
    public void A_restored_patient_personalised_again_continues_as_the_original()
    {
        var original = Patient0();
        original.Personalise(Settings(DetectorSensitivity.Low, version: 1));
        Observe(original, Series[..900], 0);

        var restored = PatientMonitor.Restore(Patient, original.Checkpoint(), new DetectionOptions());

        Assert.Equal(DetectorSensitivity.Standard, restored.Vitals[VitalSign.HeartRate].Sensitivity);
        restored.Personalise(Settings(DetectorSensitivity.Low, version: 1));
        Assert.Equal(DetectorSensitivity.Low, restored.Vitals[VitalSign.HeartRate].Sensitivity);
        Assert.Equal(Explanations(Observe(original, Series[900..], 900)), Explanations(Observe(restored, Series[900..], 900)));
    }

    [Fact]
    public void An_expired_setting_returns_the_vital_to_the_standard_sensitivity()
    {
        var patient = Patient0();
        var settings = new PatientSettings([Setting(DetectorSensitivity.High) with { Provenance = Provenance with { ExpiresAt = Readings.Start.AddMinutes(5) } }], Version: 1);
        patient.Personalise(settings.InForceAt(Readings.Start));
        Observe(patient, Series[..10], 0);

        patient.Personalise(settings.InForceAt(Readings.Start.AddMinutes(6)));

        Assert.Equal(DetectorSensitivity.Standard, patient.Vitals[VitalSign.HeartRate].Sensitivity);
    }

    [Fact]
    public void A_finding_under_a_personal_sensitivity_says_so()
    {
        var finding = Assert.IsType<AnomalyFinding>(Findings(DetectorSensitivity.High, Series).FirstOrDefault());

        Assert.Contains("high sensitivity set for this patient", finding.Explain(VitalCatalogue.Default[VitalSign.HeartRate]), StringComparison.Ordinal);
    }

    private static double[] WithJumps(double[] series)
    {
        for (var i = 180; i < series.Length; i += 60)
        {
            series[i] += 3 * (2 + (i / 60 % 5));
        }
        return series;
    }

    private static double[] Gaussian(double level, double sd, int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => Math.Round(level + (sd * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble())), 1))];
    }

    private static List<AnomalyFinding> Findings(DetectorSensitivity sensitivity, double[] series)
    {
        var patient = Patient0();
        patient.Personalise(Settings(sensitivity, version: 1));
        return Observe(patient, series, 0);
    }

    private static PatientMonitor Patient0() => new(Patient, new DetectionOptions { Deterioration = { Enabled = false } });

    private static List<AnomalyFinding> Observe(PatientMonitor patient, double[] values, int firstSecond) =>
        [.. values.SelectMany((v, i) => patient.Observe(VitalSign.HeartRate, v, Readings.Start.AddSeconds(firstSecond + i), deviceFlaggedArtifact: false).Findings)];

    private static List<string> Explanations(List<AnomalyFinding> findings) =>
        [.. findings.Select(f => f.Explain(VitalCatalogue.Default[f.Sign]))];

    private static PatientSettings Settings(DetectorSensitivity sensitivity, long version) => new([Setting(sensitivity)], Version: version);

    private static VitalAlarmSetting Setting(DetectorSensitivity sensitivity) =>
        new(VitalSign.HeartRate, null, null, TimeSpan.Zero, sensitivity, Provenance);
}
