using System.Globalization;
using VitalTwin.Clinical;

namespace VitalTwin.Simulator.Core.Scenarios;

/// <summary>
/// Checks that a scenario can be run as meant. Fields are named as in the scenario file, so the same messages
/// serve a file and a scenario built in code.
/// </summary>
public static class ScenarioValidator
{
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(31);
    public static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(100);
    public const int MaxCohort = 100_000;
    public const double MaxJitter = 0.5;
    public const double MaxMissing = 0.9;
    public const double MaxNoiseScale = 10;
    public const int MaxDegreesOfFreedom = 30;

    public static IReadOnlyList<ScenarioError> Validate(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var errors = new List<ScenarioError>();
        void Fail(string field, string problem) => errors.Add(new ScenarioError(field, problem));

        if (!ScenarioNames.IsValidId(scenario.Name))
        {
            Fail("name", "must be 1-64 letters, digits, '-', '_' or '.', starting with a letter or digit");
        }
        if (scenario.Duration <= TimeSpan.Zero || scenario.Duration > MaxDuration)
        {
            Fail("duration", $"must be more than 0 and at most {Format(MaxDuration)}");
        }
        ValidateCohort(scenario.Cohort, Fail);
        ValidateSampling(scenario.Sampling, Fail);
        ValidateNoise(scenario.Noise, Fail);
        for (var i = 0; i < scenario.Events.Count; i++)
        {
            ValidateEvent(scenario.Events[i], $"events[{i}]", scenario, Fail);
        }
        for (var i = 0; i < scenario.Artifacts.Count; i++)
        {
            ValidateArtifact(scenario.Artifacts[i], $"artifacts[{i}]", scenario, Fail);
        }
        return errors;
    }

    /// <exception cref="ScenarioValidationException">The scenario has at least one problem.</exception>
    public static void ThrowIfInvalid(Scenario scenario, string origin)
    {
        var errors = Validate(scenario);
        if (errors.Count > 0)
        {
            throw new ScenarioValidationException(origin, errors);
        }
    }

    private static void ValidateCohort(CohortSpec cohort, Action<string, string> fail)
    {
        if (cohort.Size is < 1 or > MaxCohort)
        {
            fail("cohort.size", $"must be between 1 and {MaxCohort}");
        }
        var age = cohort.Age;
        if (age.Min < 0 || age.Max > 120 || age.Min > age.Max)
        {
            fail("cohort.age", "needs 0 <= min <= max <= 120");
        }
        else if (age.Mean < age.Min || age.Mean > age.Max)
        {
            fail("cohort.age.mean", "must lie between min and max");
        }
        if (!(age.StandardDeviation > 0))
        {
            fail("cohort.age.sd", "must be more than 0");
        }
        if (cohort.Conditions.Count == 0)
        {
            fail("cohort.conditions", $"needs at least one of {ScenarioNames.AllOf<PatientCondition>()}");
        }
        foreach (var (condition, weight) in cohort.Conditions)
        {
            if (!(weight >= 0) || !double.IsFinite(weight))
            {
                fail($"cohort.conditions.{ScenarioNames.Of(condition)}", "weight must be 0 or more");
            }
        }
        if (cohort.Conditions.Count > 0 && !(cohort.Conditions.Values.Sum() > 0))
        {
            fail("cohort.conditions", "the weights must not all be 0");
        }
        if (cohort.IdPrefix is not null && !ScenarioNames.IsValidId(cohort.IdPrefix))
        {
            fail("cohort.idPrefix", "must be 1-64 letters, digits, '-', '_' or '.', starting with a letter or digit");
        }
    }

    private static void ValidateSampling(SamplingSpec sampling, Action<string, string> fail)
    {
        foreach (var sign in Enum.GetValues<VitalSign>())
        {
            if (!sampling.Intervals.TryGetValue(sign, out var interval))
            {
                fail($"sampling.intervals.{ScenarioNames.Of(sign)}", "is missing");
            }
            else if (interval < MinInterval || interval > TimeSpan.FromDays(1))
            {
                fail($"sampling.intervals.{ScenarioNames.Of(sign)}", $"must be between {Format(MinInterval)} and 1 day");
            }
        }
        if (!(sampling.Jitter >= 0 && sampling.Jitter <= MaxJitter))
        {
            fail("sampling.jitter", $"must be between 0 and {MaxJitter.ToString(CultureInfo.InvariantCulture)}");
        }
        if (!(sampling.Missing >= 0 && sampling.Missing <= MaxMissing))
        {
            fail("sampling.missing", $"is a fraction of readings: between 0 and {MaxMissing.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    private static void ValidateNoise(NoiseSpec noise, Action<string, string> fail)
    {
        if (!(noise.Scale > 0 && noise.Scale <= MaxNoiseScale))
        {
            fail("noise.scale", $"must be more than 0 and at most {MaxNoiseScale.ToString(CultureInfo.InvariantCulture)}");
        }
        if (noise.DegreesOfFreedom is { } degrees)
        {
            if (noise.Distribution != NoiseDistribution.StudentT)
            {
                fail("noise.degreesOfFreedom", $"applies to {ScenarioNames.Of(NoiseDistribution.StudentT)} only");
            }
            else if (degrees is < 1 or > MaxDegreesOfFreedom)
            {
                fail("noise.degreesOfFreedom", $"must be a whole number from 1 to {MaxDegreesOfFreedom}");
            }
        }
    }

    private static void ValidateEvent(EventSpec spec, string path, Scenario scenario, Action<string, string> fail)
    {
        if (spec.Patients is null == spec.Share is null)
        {
            fail(path, "give exactly one of patients (a count) or share (a fraction of the cohort)");
        }
        if (spec.Patients is { } count && (count < 0 || count > scenario.Cohort.Size))
        {
            fail($"{path}.patients", $"must be between 0 and the cohort size ({scenario.Cohort.Size})");
        }
        if (spec.Share is { } share && !(share > 0 && share <= 1))
        {
            fail($"{path}.share", "must be more than 0 and at most 1");
        }
        ValidateRange(spec.Onset, $"{path}.onset", TimeSpan.Zero, fail);
        if (spec.Onset.Max >= scenario.Duration)
        {
            fail($"{path}.onset.max", $"must be before the end of the scenario ({Format(scenario.Duration)})");
        }
        if (spec.Ramp is { } ramp)
        {
            ValidateRange(ramp, $"{path}.ramp", TimeSpan.FromSeconds(1), fail);
        }
        if (spec.Duration is { } duration)
        {
            ValidateRange(duration, $"{path}.duration", TimeSpan.FromSeconds(1), fail);
            if (spec.Persistent == true)
            {
                fail($"{path}.persistent", "a persistent event has no duration; give one or the other");
            }
        }
        else if (spec.Persistent == false && EventDefaults.For(spec.Kind).Duration is null)
        {
            fail($"{path}.duration", $"is required: {ScenarioNames.Of(spec.Kind)} persists unless given a duration");
        }
        if (spec.Severity is { } severity && !(severity.Min > 0 && severity.Min <= severity.Max && severity.Max <= 1))
        {
            fail($"{path}.severity", "needs 0 < min <= max <= 1");
        }
    }

    private static void ValidateArtifact(ArtifactSpec spec, string path, Scenario scenario, Action<string, string> fail)
    {
        if (spec.PerPatientDay is null == spec.Count is null)
        {
            fail(path, "give exactly one of perPatientDay (a rate) or count (episodes over the cohort)");
        }
        if (spec.PerPatientDay is { } rate && !(rate > 0 && rate <= 1_000))
        {
            fail($"{path}.perPatientDay", "must be more than 0 and at most 1000");
        }
        if (spec.Count is { } count && count < 0)
        {
            fail($"{path}.count", "must be 0 or more");
        }
        if (spec.Duration is not null && !ArtifactDefaults.HasDuration(spec.Kind))
        {
            fail($"{path}.duration", $"a {ScenarioNames.Of(spec.Kind)} is one reading: its window is one sampling interval of its vital");
        }
        else if (spec.Duration is { } duration)
        {
            ValidateRange(duration, $"{path}.duration", TimeSpan.FromSeconds(1), fail);
            if (duration.Max >= scenario.Duration)
            {
                fail($"{path}.duration.max", $"must be shorter than the scenario ({Format(scenario.Duration)})");
            }
        }
        if (spec.Flagged is { } flagged)
        {
            if (!ArtifactDefaults.CanBeFlagged(spec.Kind))
            {
                fail($"{path}.flagged", $"applies to {ScenarioNames.Of(ArtifactKind.Motion)} and {ScenarioNames.Of(ArtifactKind.ProbeOff)} only");
            }
            else if (!(flagged >= 0 && flagged <= 1))
            {
                fail($"{path}.flagged", "is a probability: between 0 and 1");
            }
        }
        if (spec.Mode is not null && spec.Kind != ArtifactKind.ProbeOff)
        {
            fail($"{path}.mode", $"applies to {ScenarioNames.Of(ArtifactKind.ProbeOff)} only");
        }
        if (spec.Kind == ArtifactKind.DeviceMoved)
        {
            if (scenario.Cohort.Size < 2)
            {
                fail(path, "a device can only move between patients in a cohort of 2 or more");
            }
            else if (spec.Count is { } moves && moves > scenario.Cohort.Size / 2)
            {
                fail($"{path}.count", $"each move involves two patients who move no other device: at most {scenario.Cohort.Size / 2}");
            }
        }
    }

    private static void ValidateRange(TimeRange range, string path, TimeSpan least, Action<string, string> fail)
    {
        if (range.Min < least)
        {
            fail($"{path}.min", $"must be at least {Format(least)}");
        }
        if (range.Max < range.Min)
        {
            fail($"{path}.max", "must not be less than min");
        }
    }

    internal static string Format(TimeSpan span) => span.ToString("c", CultureInfo.InvariantCulture);
}
