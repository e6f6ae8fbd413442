using VitalTwin.Clinical;
using VitalTwin.Evaluation.Metrics;
using VitalTwin.TwinState.Core;

namespace VitalTwin.Evaluation.Baselines;

/// <summary>
/// NEWS2 alone, as an early-warning score charted on paper or in an EHR would trigger, scored on every reading: an
/// alarm each time the aggregate enters 5 or more (the RCP's key threshold for an urgent response), and each time a
/// single parameter enters a score of 3. It scores the newest value of each vital the device did not flag, with the
/// twin's staleness thresholds, but none of the twin's windowing or band hold: no hysteresis, no detectors, no
/// combination, exactly what a plain NEWS2 on a continuous stream does.
/// </summary>
public sealed class News2Threshold(TwinSettings settings)
{
    public const int AggregateThreshold = 5;
    public const int SingleParameterThreshold = 3;

    private readonly List<Alarm> _alarms = [];
    private readonly Dictionary<string, PatientScore> _patients = new(StringComparer.Ordinal);

    public IReadOnlyList<Alarm> Alarms => _alarms;

    /// <summary>Takes one accepted reading; returns how many alarms it raised.</summary>
    public int Observe(string patientId, VitalSign sign, double value, DateTimeOffset at, bool flagged)
    {
        if (!_patients.TryGetValue(patientId, out var patient))
        {
            _patients[patientId] = patient = new PatientScore();
        }
        if (!flagged)
        {
            patient.Latest[sign] = (value, at);
        }
        var current = News2.Score(new News2Observations(
            RespirationRate: Fresh(patient, VitalSign.RespiratoryRate, at),
            OxygenSaturation: Fresh(patient, VitalSign.OxygenSaturation, at),
            OnSupplementalOxygen: null,
            SystolicBloodPressure: Fresh(patient, VitalSign.SystolicBloodPressure, at),
            Pulse: Fresh(patient, VitalSign.HeartRate, at),
            Consciousness: null,
            Temperature: Fresh(patient, VitalSign.BodyTemperature, at)));
        var previous = patient.Score;
        patient.Score = current;
        return previous is null ? Raise(patientId, News2.Score(default), current, at) : Raise(patientId, previous, current, at);
    }

    private double? Fresh(PatientScore patient, VitalSign sign, DateTimeOffset now) =>
        patient.Latest.TryGetValue(sign, out var latest) && now - latest.At <= settings.StaleAfterFor(sign) ? latest.Value : null;

    private int Raise(string patientId, News2Result previous, News2Result current, DateTimeOffset at)
    {
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

    private sealed class PatientScore
    {
        public Dictionary<VitalSign, (double Value, DateTimeOffset At)> Latest { get; } = [];

        public News2Result? Score { get; set; }
    }
}
