using VitalTwin.Simulator.Core.Randomness;
using VitalTwin.Simulator.Core.Scenarios;

namespace VitalTwin.Simulator.Core.Physiology;

/// <summary>
/// Where a patient's baseline comes from: a normal distribution per vital and condition (ward populations, not
/// healthy volunteers), shifted by age, then kept within what such a patient plausibly has at rest.
/// </summary>
internal static class ConditionProfiles
{
    private readonly record struct Normal(double Mean, double StandardDeviation);

    private sealed record Profile(Normal HeartRate, Normal Saturation, Normal Respiration, Normal Systolic, Normal Temperature);

    private static Profile For(PatientCondition condition) => condition switch
    {
        PatientCondition.General => new(new(76, 9), new(97.2, 1.0), new(15, 1.6), new(124, 12), new(36.8, 0.2)),
        // Pain and the inflammatory response after surgery: a little faster, a little warmer.
        PatientCondition.PostOperative => new(new(84, 10), new(96.0, 1.2), new(16.5, 1.8), new(122, 13), new(37.1, 0.25)),
        // Chronic hypoxaemia with a target range of 88-92 %, faster breathing.
        PatientCondition.Copd => new(new(86, 9), new(91.5, 1.4), new(19.5, 2.0), new(130, 13), new(36.7, 0.2)),
        // Rate-controlled by beta-blockers, lower pressure from reduced output.
        PatientCondition.HeartFailure => new(new(72, 8), new(95.0, 1.3), new(18, 2.0), new(108, 11), new(36.6, 0.2)),
        PatientCondition.Hypertension => new(new(75, 9), new(96.8, 1.0), new(15.5, 1.6), new(152, 12), new(36.8, 0.2)),
        _ => throw new ArgumentOutOfRangeException(nameof(condition), condition, null),
    };

    public static PatientBaseline DrawBaseline(PatientCondition condition, int age, SimulationRandom random)
    {
        var profile = For(condition);
        var older = age - 50.0;
        // Stiffer arteries raise systolic pressure with age; resting pulse and temperature fall slightly.
        var heartRate = Draw(profile.HeartRate, random) - (0.12 * older);
        var saturation = Draw(profile.Saturation, random) - (0.025 * Math.Max(0, older));
        var respiration = Draw(profile.Respiration, random) + (0.03 * older);
        var systolic = Draw(profile.Systolic, random) + (0.45 * older);
        var temperature = Draw(profile.Temperature, random) - (0.005 * older);
        return new PatientBaseline(
            Math.Clamp(heartRate, 48, 112),
            Math.Clamp(saturation, condition == PatientCondition.Copd ? 86 : 93, 99.5),
            Math.Clamp(respiration, 10, 24),
            Math.Clamp(systolic, 92, 185),
            Math.Clamp(temperature, 36.0, 37.6));
    }

    public static CircadianProfile DrawCircadian(int age, SimulationRandom random) => new(
        HeartRateAmplitude: random.NextBetween(0.04, 0.09),
        // Older patients are more often "non-dippers" whose pressure barely falls at night.
        SystolicAmplitude: random.NextBetween(age >= 70 ? 0.01 : 0.03, 0.07),
        TemperatureAmplitude: random.NextBetween(0.2, 0.4),
        RespiratoryAmplitude: random.NextBetween(0.5, 1.2),
        SaturationAmplitude: random.NextBetween(0.2, 0.5),
        ShiftHours: Math.Clamp(random.NextNormal(0, 0.75), -2, 2));

    public static int DrawAge(AgeSpec spec, SimulationRandom random)
    {
        for (var attempt = 0; attempt < 32; attempt++)
        {
            var age = (int)Math.Round(random.NextNormal(spec.Mean, spec.StandardDeviation));
            if (age >= spec.Min && age <= spec.Max)
            {
                return age;
            }
        }
        return (int)Math.Round(Math.Clamp(spec.Mean, spec.Min, spec.Max));
    }

    public static PatientCondition DrawCondition(IReadOnlyDictionary<PatientCondition, double> weights, SimulationRandom random)
    {
        // Enumerated in enum order, so the draw does not depend on how the dictionary happens to be ordered.
        var total = weights.Values.Sum();
        var pick = random.NextDouble() * total;
        PatientCondition? last = null;
        foreach (var condition in Enum.GetValues<PatientCondition>())
        {
            if (!weights.TryGetValue(condition, out var weight) || weight <= 0)
            {
                continue;
            }
            last = condition;
            if (pick < weight)
            {
                return condition;
            }
            pick -= weight;
        }
        return last ?? PatientCondition.General;
    }

    private static double Draw(Normal normal, SimulationRandom random) => random.NextNormal(normal.Mean, normal.StandardDeviation);
}
