using VitalTwin.Evaluation.Metrics;

namespace VitalTwin.Evaluation.Tests;

/// <summary>
/// A hand-built day of four patients with known answers. Times are hours from the start; the grace is 15 minutes,
/// the artifact lag 2 minutes.
/// </summary>
public sealed class AlarmScorerTests
{
    private static readonly DateTimeOffset Start = new(2025, 1, 6, 0, 0, 0, TimeSpan.Zero);

    private static readonly LabelledEvent Sepsis = new("sepsis", "p1", At(2), End: null);
    private static readonly LabelledEvent Desaturation = new("acute-desaturation", "p2", At(5), At(5, 40));
    private static readonly LabelledEvent Bradycardia = new("bradycardia", "p3", At(10), At(10, 30));
    private static readonly LabelledEvent MissedDesaturation = new("acute-desaturation", "p4", At(12), At(12, 20));

    private static readonly Alarm OpenBeforeOnset = new("p4", At(11), "News2Medium") { OpenUntil = At(13) };

    private static readonly Alarm[] Alarms =
    [
        new("p1", At(1), "VitalSpike/HeartRate/Up"),        // false: before onset - grace
        new("p1", At(1, 50), "News2Medium"),                // near onset: neither false nor a detection
        new("p1", At(3), "News2High"),                      // detects the sepsis, 60 min after onset
        new("p1", At(20), "News2SingleParameter"),          // inside the persistent sepsis: not false
        new("p2", At(5, 10), "VitalSpike/OxygenSaturation/Down"), // detects the desaturation, 10 min
        new("p2", At(5, 55), "News2Medium"),                // exactly end + grace: not false
        new("p2", At(6, 30), "VitalSpike/HeartRate/Up"),    // false, during a motion artifact's lag
        new("p3", At(10, 45), "News2SingleParameter"),      // after the end, within grace: detects, 45 min
        new("p3", At(11), "VitalStale/HeartRate", Technical: true),
        OpenBeforeOnset,                                    // false, and still open at p4's onset
    ];

    private static readonly GroundTruth Truth = new(
        Start,
        At(24),
        PatientCount: 4,
        [Sepsis, Desaturation, Bradycardia, MissedDesaturation],
        [
            new ArtifactEpisode("motion", ["p2"], At(6, 29), At(6, 29).AddSeconds(30)),
            new ArtifactEpisode("probe-off", ["p3"], At(15), At(15, 10)),
        ],
        [
            new ScorePeriod("p1", At(2, 30), null),
            // Already high before p2's onset: the event's first high score is the onset itself.
            new ScorePeriod("p2", At(4), At(5, 5)),
        ]);

    private static DateTimeOffset At(int hours, int minutes = 0) => Start.AddHours(hours).AddMinutes(minutes);

    private static SystemScore Score(ScoringRules? rules = null) => AlarmScorer.Score("test", Alarms, Truth, rules ?? ScoringRules.Default);

    [Fact]
    public void Sensitivity_counts_an_event_detected_by_an_alarm_in_its_window()
    {
        var score = Score();

        Assert.Equal(4, score.Overall.Events);
        Assert.Equal(3, score.Overall.Detected);
        Assert.Equal(0.75, score.Overall.Sensitivity);
        var byKind = score.Kinds.ToDictionary(k => k.Kind);
        Assert.Equal((2, 1), (byKind["acute-desaturation"].Events, byKind["acute-desaturation"].Detected));
        Assert.Equal(1.0, byKind["sepsis"].Sensitivity);
        Assert.Equal(1.0, byKind["bradycardia"].Sensitivity);
    }

    [Fact]
    public void Delays_are_measured_from_onset_with_median_and_interpolated_90th_percentile()
    {
        var score = Score();

        Assert.Equal(3, score.Overall.FromOnset.Count);
        Assert.Equal(45, score.Overall.FromOnset.MedianMinutes!.Value, 9);
        // Sorted 10, 45, 60: rank 0.9 × 2 = 1.8, so 45 + 0.8 × 15.
        Assert.Equal(57, score.Overall.FromOnset.P90Minutes!.Value, 9);
        var outcomes = score.Outcomes.ToDictionary(o => o.Event);
        Assert.Equal(TimeSpan.FromMinutes(60), outcomes[Sepsis].DelayFromOnset);
        Assert.Equal(TimeSpan.FromMinutes(10), outcomes[Desaturation].DelayFromOnset);
        Assert.Equal(TimeSpan.FromMinutes(45), outcomes[Bradycardia].DelayFromOnset);
        Assert.Null(outcomes[MissedDesaturation].DelayFromOnset);
    }

    [Fact]
    public void Delay_relative_to_NEWS2_seven_is_negative_when_the_alarm_came_first_and_starts_at_onset_when_already_high()
    {
        var outcomes = Score().Outcomes.ToDictionary(o => o.Event);

        Assert.Equal(At(2, 30), outcomes[Sepsis].FirstNews2High);
        Assert.Equal(TimeSpan.FromMinutes(30), outcomes[Sepsis].DelayFromNews2High);
        Assert.Equal(At(5), outcomes[Desaturation].FirstNews2High);
        Assert.Equal(TimeSpan.FromMinutes(10), outcomes[Desaturation].DelayFromNews2High);
        Assert.Null(outcomes[Bradycardia].FirstNews2High);
        Assert.Null(outcomes[Bradycardia].DelayFromNews2High);

        var early = AlarmScorer.Score("early", [new Alarm("p1", At(2, 10), "VitalChange")], Truth, ScoringRules.Default);
        Assert.Equal(TimeSpan.FromMinutes(-20), early.Outcomes.Single(o => o.Event == Sepsis).DelayFromNews2High);
    }

    [Fact]
    public void False_alarms_lie_outside_every_window_widened_by_the_grace_and_exclude_technical_ones()
    {
        var score = Score();

        Assert.Equal(9, score.ClinicalAlarms);
        Assert.Equal(3, score.FalseAlarms);
        Assert.Equal(1, score.NearOnsetAlarms);
        Assert.Equal(1, score.TechnicalAlarms);
        Assert.Equal(4, score.PatientDays);
        Assert.Equal(0.75, score.FalseAlarmsPerPatientDay);
        Assert.Equal(0.25, score.TechnicalAlarmsPerPatientDay);
        Assert.Equal(2, score.FalseAlarmsByCause["VitalSpike/HeartRate/Up"]);
        Assert.Equal(1, score.FalseAlarmsByCause["News2Medium"]);
        Assert.Equal(new Dictionary<string, int> { ["p1"] = 1, ["p2"] = 1, ["p4"] = 1 }, score.FalseAlarmsByPatient);
        Assert.Equal(1, score.FalseAlarmsByHour[1]);
        Assert.Equal(1, score.FalseAlarmsByHour[6]);
        Assert.Equal(1, score.FalseAlarmsByHour[11]);
        Assert.Equal(3, score.FalseAlarmsByHour.Sum());
    }

    [Fact]
    public void Without_grace_a_late_alarm_detects_nothing_and_counts_as_false()
    {
        var score = Score(ScoringRules.Default with { Grace = TimeSpan.Zero });

        Assert.Equal(2, score.Overall.Detected);
        Assert.False(score.Outcomes.Single(o => o.Event == Bradycardia).Detected);
        // The late bradycardia alarm, the near-onset one and the one at end + 15 min are all false now.
        Assert.Equal(6, score.FalseAlarms);
        Assert.Equal(0, score.NearOnsetAlarms);
    }

    [Fact]
    public void An_alarm_open_before_the_onset_does_not_detect_the_event_but_is_reported_with_it()
    {
        var missed = Score().Outcomes.Single(o => o.Event == MissedDesaturation);

        Assert.False(missed.Detected);
        Assert.Same(OpenBeforeOnset, missed.OpenAtOnset);
        Assert.Null(Score().Outcomes.Single(o => o.Event == Desaturation).OpenAtOnset);
    }

    [Fact]
    public void An_artifact_episode_counts_when_a_false_alarm_falls_in_it_or_its_lag()
    {
        var artifacts = Score().Artifacts.ToDictionary(a => a.Kind);

        Assert.Equal((1, 1), (artifacts["motion"].Episodes, artifacts["motion"].EpisodesWithClinicalAlarm));
        Assert.Equal((1, 0), (artifacts["probe-off"].Episodes, artifacts["probe-off"].EpisodesWithClinicalAlarm));
        // p2 has one false alarm in 24 h; the motion window is 30 s plus the 2 min lag.
        Assert.Equal(1 - Math.Exp(-(1.0 / 24) * (2.5 / 60)), artifacts["motion"].ExpectedByChance, 12);
        Assert.Equal(0, artifacts["probe-off"].ExpectedByChance);

        var shortLag = AlarmScorer.Score("lag", Alarms, Truth, ScoringRules.Default with { ArtifactLag = TimeSpan.FromSeconds(20) });
        Assert.Equal(0, shortLag.Artifacts.Single(a => a.Kind == "motion").EpisodesWithClinicalAlarm);
    }

    [Fact]
    public void Detections_expected_by_chance_follow_each_patients_false_alarm_rate_over_the_window()
    {
        var kinds = Score().Kinds.ToDictionary(k => k.Kind);

        // p1: one false alarm in 24 h, window 2 h to 24 h. p2: one, window 5:00 to 5:55. p4: one, window 12:00 to 12:35. p3: none.
        Assert.Equal(1 - Math.Exp(-22.0 / 24), kinds["sepsis"].DetectedByChance, 12);
        Assert.Equal((1 - Math.Exp(-(55.0 / 60) / 24)) + (1 - Math.Exp(-(35.0 / 60) / 24)), kinds["acute-desaturation"].DetectedByChance, 12);
        Assert.Equal(0, kinds["bradycardia"].DetectedByChance);
        Assert.Equal(kinds.Values.Sum(k => k.DetectedByChance), Score().Overall.DetectedByChance, 12);
    }

    [Fact]
    public void A_persistent_event_window_runs_to_the_end_of_the_run()
    {
        Assert.Equal(At(24), AlarmScorer.WindowEnd(Sepsis, Truth, ScoringRules.Default));
        Assert.Equal(At(5, 55), AlarmScorer.WindowEnd(Desaturation, Truth, ScoringRules.Default));
        var late = new LabelledEvent("bradycardia", "p3", At(23, 30), At(23, 55));
        Assert.Equal(At(24), AlarmScorer.WindowEnd(late, Truth, ScoringRules.Default));
    }

    [Theory]
    [InlineData(new double[] { 1, 2, 3, 4 }, 0.5, 2.5)]
    [InlineData(new double[] { 4, 1, 3, 2 }, 0.9, 3.7)]
    [InlineData(new double[] { 7 }, 0.9, 7)]
    [InlineData(new double[] { 1, 2, 3 }, 0.5, 2)]
    public void Percentiles_interpolate_between_ranks(double[] values, double fraction, double expected) =>
        Assert.Equal(expected, Percentiles.Of(values, fraction)!.Value, 9);

    [Fact]
    public void Percentiles_of_nothing_are_null() => Assert.Null(Percentiles.Of([], 0.5));

    [Fact]
    public void Alerts_per_detected_event_count_the_patients_clinical_alarms_in_its_window()
    {
        var score = Score();

        // p2's desaturation window [5:00, 5:55] holds the alarms at 5:10 and 5:55; p1's persistent sepsis [2:00, 24:00]
        // those at 3:00 and 20:00; p3's bradycardia [10:00, 10:45] the one at 10:45 (the technical one at 11:00 is out).
        Assert.Equal([2, 2, 1, 0], score.Outcomes.OrderBy(o => o.Event.PatientId).Select(o => o.AlarmsInWindow));
        Assert.Equal(2, score.Kinds.Single(k => k.Kind == "acute-desaturation").AlertsPerDetectedEvent);
        Assert.Equal((2 + 2 + 1) / 3.0, score.Overall.AlertsPerDetectedEvent, precision: 10);
    }

    [Fact]
    public void Subgroups_split_events_and_false_alarms_by_the_patients_age_band_and_condition()
    {
        var score = Score();
        PatientTraits[] patients =
        [
            new("p1", 45, "copd"),
            new("p2", 70, "general"),
            new("p3", 82, "copd"),
            new("p4", 67, "general"),
        ];

        var groups = Subgroups.Of(score, patients, daysPerPatient: 1);

        // False alarms: p1 one (01:00), p2 one (06:30), p4 one (11:00), p3 none. Only p4's desaturation is missed.
        Assert.Equal(
            [
                new SubgroupScore(Subgroups.Age, "<50", 1, 1, 1, 1, 1),
                new SubgroupScore(Subgroups.Age, "65–79", 2, 2, 1, 2, 2),
                new SubgroupScore(Subgroups.Age, "≥80", 1, 1, 1, 0, 1),
                new SubgroupScore(Subgroups.Condition, "copd", 2, 2, 2, 1, 2),
                new SubgroupScore(Subgroups.Condition, "general", 2, 2, 1, 2, 2),
            ],
            groups);
        Assert.Equal(score.Overall.Events, groups.Where(g => g.Dimension == Subgroups.Age).Sum(g => g.Events));
        Assert.Equal(score.FalseAlarms, groups.Where(g => g.Dimension == Subgroups.Condition).Sum(g => g.FalseAlarms));
        Assert.Equal(0.5, groups.Single(g => g.Group == "copd").FalseAlarmsPerPatientDay);
        Assert.Equal(0.5, groups.Single(g => g.Group == "65–79").Sensitivity);
    }

    [Fact]
    public void Subgroups_of_several_runs_add_their_counts_and_unknown_traits_form_their_own_group()
    {
        var score = Score();
        PatientTraits[] patients = [new("p1", null, null), new("p2", 49, null), new("p3", 50, "copd"), new("p4", 80, "copd")];

        var once = Subgroups.Of(score, patients, daysPerPatient: 1);
        var pooled = Subgroups.Pool(once.Concat(once));

        Assert.Equal(["<50", "50–64", "≥80", Subgroups.Unknown], once.Where(g => g.Dimension == Subgroups.Age).Select(g => g.Group));
        Assert.Equal(["copd", Subgroups.Unknown], once.Where(g => g.Dimension == Subgroups.Condition).Select(g => g.Group));
        Assert.Equal(once.Select(g => g with { Patients = 2 * g.Patients, Events = 2 * g.Events, Detected = 2 * g.Detected, FalseAlarms = 2 * g.FalseAlarms, PatientDays = 2 * g.PatientDays }), pooled);
        Assert.Equal(once.Select(g => g.Sensitivity), pooled.Select(g => g.Sensitivity));
    }
}
