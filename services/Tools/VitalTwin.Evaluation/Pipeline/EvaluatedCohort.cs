using VitalTwin.Evaluation.Metrics;
using VitalTwin.Simulator.Core.Generation;
using VitalTwin.Simulator.Core.Scenarios;

namespace VitalTwin.Evaluation.Pipeline;

/// <summary>Who was evaluated over which span: a simulated cohort, or the patients of a recording.</summary>
/// <param name="Patients">Every patient, with age and condition where known.</param>
/// <param name="HasTraits">Whether ages or conditions are known at all; without them there are no subgroups to report.</param>
public sealed record EvaluatedCohort(string Name, string? Description, DateTimeOffset Start, DateTimeOffset End, IReadOnlyList<PatientTraits> Patients, bool HasTraits)
{
    public TimeSpan Duration => End - Start;

    public static EvaluatedCohort Of(WardSimulation simulation)
    {
        ArgumentNullException.ThrowIfNull(simulation);
        var scenario = simulation.Scenario;
        return new EvaluatedCohort(
            scenario.Name,
            scenario.Description,
            scenario.Start,
            scenario.End,
            [.. simulation.Patients.Select(p => new PatientTraits(p.Id, p.Age, ScenarioNames.Of(p.Condition)))],
            HasTraits: true);
    }
}
