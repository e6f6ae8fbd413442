namespace VitalTwin.Evaluation.Metrics;

/// <summary>One system's figures for the patients of one subgroup (an age band, a condition).</summary>
/// <param name="Dimension">What the patients are grouped by: <see cref="Subgroups.Age"/> or <see cref="Subgroups.Condition"/>.</param>
public sealed record SubgroupScore(string Dimension, string Group, int Patients, int Events, int Detected, int FalseAlarms, double PatientDays)
{
    /// <summary>Detected / events; NaN for a group without events.</summary>
    public double Sensitivity => Events == 0 ? double.NaN : (double)Detected / Events;

    public double FalseAlarmsPerPatientDay => PatientDays > 0 ? FalseAlarms / PatientDays : double.NaN;

    /// <summary>Two runs' figures for the same group, as one (their counts added).</summary>
    public SubgroupScore Plus(SubgroupScore other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return this with
        {
            Patients = Patients + other.Patients,
            Events = Events + other.Events,
            Detected = Detected + other.Detected,
            FalseAlarms = FalseAlarms + other.FalseAlarms,
            PatientDays = PatientDays + other.PatientDays,
        };
    }
}

/// <summary>A patient as the subgroups see them; null where it is not known.</summary>
public sealed record PatientTraits(string PatientId, int? Age, string? Condition);

/// <summary>
/// Sensitivity and false alerts per patient-day by age band and by condition, from one system's score: an event
/// counts in its patient's group, a false alert in its patient's, and patient-days are the group's patients times
/// the run's days. A difference between groups is the bias the overall figures hide.
/// </summary>
public static class Subgroups
{
    public const string Age = "age";
    public const string Condition = "condition";
    public const string Unknown = "unknown";

    /// <summary>The age bands, youngest first: the lower bound belongs to the band.</summary>
    public static IReadOnlyList<(string Name, int From)> AgeBands { get; } = [("<50", 0), ("50–64", 50), ("65–79", 65), ("≥80", 80)];

    public static string AgeBand(int? age) => age is { } years ? AgeBands.Last(b => years >= b.From).Name : Unknown;

    /// <summary>Age bands in their order, then conditions by name; groups without patients are left out.</summary>
    public static IReadOnlyList<SubgroupScore> Of(SystemScore score, IReadOnlyList<PatientTraits> patients, double daysPerPatient)
    {
        ArgumentNullException.ThrowIfNull(score);
        ArgumentNullException.ThrowIfNull(patients);
        return Ordered(
            Group(score, patients, daysPerPatient, Age, p => AgeBand(p.Age))
                .Concat(Group(score, patients, daysPerPatient, Condition, p => p.Condition ?? Unknown)));
    }

    /// <summary>Several runs' groups as one: the counts of each group added.</summary>
    public static IReadOnlyList<SubgroupScore> Pool(IEnumerable<SubgroupScore> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        return Ordered(groups.GroupBy(g => (g.Dimension, g.Group)).Select(g => g.Skip(1).Aggregate(g.First(), (sum, next) => sum.Plus(next))));
    }

    private static List<SubgroupScore> Ordered(IEnumerable<SubgroupScore> groups)
    {
        var ageOrder = AgeBands.Select(b => b.Name).Append(Unknown).ToList();
        return [.. groups
            .OrderBy(g => g.Dimension == Age ? 0 : 1)
            .ThenBy(g => g.Dimension == Age ? ageOrder.IndexOf(g.Group) : 0)
            .ThenBy(g => g.Group, StringComparer.Ordinal)];
    }

    private static IEnumerable<SubgroupScore> Group(SystemScore score, IReadOnlyList<PatientTraits> patients, double daysPerPatient, string dimension, Func<PatientTraits, string> groupOf)
    {
        var group = patients.ToDictionary(p => p.PatientId, groupOf, StringComparer.Ordinal);
        return patients.GroupBy(groupOf, StringComparer.Ordinal).Select(g =>
        {
            var outcomes = score.Outcomes.Where(o => group.GetValueOrDefault(o.Event.PatientId) == g.Key).ToList();
            return new SubgroupScore(
                dimension,
                g.Key,
                g.Count(),
                outcomes.Count,
                outcomes.Count(o => o.Detected),
                score.FalseAlarmsByPatient.Where(p => group.GetValueOrDefault(p.Key) == g.Key).Sum(p => p.Value),
                g.Count() * daysPerPatient);
        });
    }
}
