using VitalTwin.Clinical;
using VitalTwin.Evaluation.Metrics;

namespace VitalTwin.Evaluation.Baselines;

/// <summary>
/// NEWS2 alone, as an early-warning score charted on paper or in an EHR would trigger: an alarm each time the
/// aggregate enters 5 or more (the RCP's key threshold for an urgent response), and each time a single parameter
/// enters a score of 3. No hysteresis, no detectors, no combination. It reads the same NEWS2 the twin computes,
/// so the only difference from VitalTwin is the alert policy and the detectors.
/// </summary>
public sealed class News2Threshold
{
    public const int AggregateThreshold = 5;
    public const int SingleParameterThreshold = 3;

    private readonly List<Alarm> _alarms = [];

    public IReadOnlyList<Alarm> Alarms => _alarms;

    /// <summary>Takes a change of a patient's NEWS2 from <paramref name="previous"/> to <paramref name="current"/>; returns how many alarms it raised.</summary>
    public int Observe(string patientId, News2Result previous, News2Result current, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(current);
        var raised = 0;
        if (previous.Total < AggregateThreshold && current.Total >= AggregateThreshold)
        {
            _alarms.Add(new Alarm(patientId, at, "News2>=5"));
            raised++;
        }
        foreach (var sub in current.SubScores)
        {
            if (sub.Score >= SingleParameterThreshold && ScoreOf(previous, sub.Parameter) < SingleParameterThreshold)
            {
                _alarms.Add(new Alarm(patientId, at, $"News2Parameter3/{sub.Parameter}"));
                raised++;
            }
        }
        return raised;
    }

    private static int ScoreOf(News2Result result, News2Parameter parameter)
    {
        foreach (var sub in result.SubScores)
        {
            if (sub.Parameter == parameter)
            {
                return sub.Score;
            }
        }
        return 0;
    }
}
