using System.Collections.Concurrent;
using System.Globalization;
using VitalTwin.Clinical;

namespace VitalTwin.Notification.Core;

/// <summary>
/// Decides when a patient's state deserves an alert. NEWS2 (RCP 2017): aggregate 5-6 is the key
/// threshold (medium), 7 or more is high, and 3 in a single parameter needs an urgent review. A
/// condition alerts when it is entered, not on every event while it holds; rising from medium to high
/// alerts again, falling back does not, and a condition is entered again only after it has cleared for
/// a while. A spike or a lasting change alerts once per vital and direction within a quiet period.
/// </summary>
public sealed class AlertPolicy(AlertPolicyOptions options, VitalCatalogue catalogue)
{
    private readonly ConcurrentDictionary<string, PatientAlertState> _patients = new(StringComparer.Ordinal);

    public IReadOnlyList<AlertDecision> OnNews2Changed(string patientId, News2Result news2, IReadOnlyList<VitalValue> vitals, DateTimeOffset observedAt)
    {
        ArgumentNullException.ThrowIfNull(news2);
        var state = _patients.GetOrAdd(patientId, static _ => new PatientAlertState());
        var decisions = new List<AlertDecision>(2);
        lock (state)
        {
            state.News2Total = news2.Total;
            var level = news2.Risk switch
            {
                News2Risk.High => AlertCondition.News2High,
                News2Risk.Medium => AlertCondition.News2Medium,
                _ => (AlertCondition?)null,
            };
            if (state.Aggregate.Enter(level, observedAt, options.ClearAfter) is { } entered)
            {
                var priority = entered == AlertCondition.News2High ? AlertPriority.High : AlertPriority.Medium;
                var summary = string.Create(CultureInfo.InvariantCulture, $"NEWS2 {news2.Total} ({(entered == AlertCondition.News2High ? "high" : "medium")} risk)");
                decisions.Add(new AlertDecision(patientId, entered, priority, summary, Reasons(news2, vitals, minimumScore: 1), news2.Total));
            }

            var singleParameter = news2.MaxSingle >= 3 ? AlertCondition.News2SingleParameter : (AlertCondition?)null;
            if (state.SingleParameter.Enter(singleParameter, observedAt, options.ClearAfter) is not null)
            {
                var reasons = Reasons(news2, vitals, minimumScore: 3);
                var summary = "Single NEWS2 parameter scores 3: " + string.Join(", ", reasons.Select(r => r.Text));
                decisions.Add(new AlertDecision(patientId, AlertCondition.News2SingleParameter, AlertPriority.Medium, summary, reasons, news2.Total));
            }
        }
        return decisions;
    }

    public AlertDecision? OnSpike(SpikeObservation spike)
    {
        ArgumentNullException.ThrowIfNull(spike);
        var state = _patients.GetOrAdd(spike.PatientId, static _ => new PatientAlertState());
        int news2Total;
        lock (state)
        {
            var key = (spike.Sign, spike.Upward, spike.LastingChange);
            if (state.LastSpike.TryGetValue(key, out var last) && spike.ObservedAt - last < options.SpikeQuietPeriod)
            {
                return null;
            }
            state.LastSpike[key] = spike.ObservedAt;
            news2Total = state.News2Total;
        }
        var name = catalogue[spike.Sign].Name;
        var text = spike.Explanation ?? string.Create(CultureInfo.InvariantCulture,
            $"{Capitalise(name)} {spike.Value:0.#} {spike.Unit}, {(spike.Upward ? "up" : "down")} from a recent mean of {spike.BaselineMean:0.#} ({PValueText(spike.PValue)})");
        var summary = spike.LastingChange
            ? $"Lasting {(spike.Upward ? "rise" : "fall")} in {name}"
            : $"Sudden {(spike.Upward ? "rise" : "fall")} in {name}";
        return new AlertDecision(
            spike.PatientId,
            spike.LastingChange ? AlertCondition.VitalChange : AlertCondition.VitalSpike,
            AlertPriority.Low,
            summary,
            [new AlertReason(text, spike.Sign, spike.Value, spike.Unit)],
            news2Total);
    }

    private List<AlertReason> Reasons(News2Result news2, IReadOnlyList<VitalValue> vitals, int minimumScore)
    {
        var reasons = new List<AlertReason>();
        foreach (var sub in news2.SubScores.Where(s => s.Score >= minimumScore))
        {
            var vital = vitals.FirstOrDefault(v => News2.ParameterOf(v.Sign) == sub.Parameter);
            reasons.Add(vital.Unit is null
                ? new AlertReason(string.Create(CultureInfo.InvariantCulture, $"{ParameterName(sub.Parameter)} scores {sub.Score}"))
                : new AlertReason(
                    string.Create(CultureInfo.InvariantCulture, $"{Capitalise(catalogue[vital.Sign].Name)} {vital.Value:0.#} {vital.Unit} scores {sub.Score}"),
                    vital.Sign, vital.Value, vital.Unit));
        }
        return reasons;
    }

    private string ParameterName(News2Parameter parameter) => parameter switch
    {
        News2Parameter.AirOrOxygen => "Supplemental oxygen",
        News2Parameter.Consciousness => "Consciousness",
        _ => Capitalise(catalogue.All.First(d => News2.ParameterOf(d.Sign) == parameter).Name),
    };

    private static string PValueText(double p) =>
        p < 0.0001 ? "p < 0.0001" : string.Create(CultureInfo.InvariantCulture, $"p = {p:0.####}");

    private static string Capitalise(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    private sealed class PatientAlertState
    {
        public OpenCondition Aggregate { get; } = new();
        public OpenCondition SingleParameter { get; } = new();
        public int News2Total { get; set; }
        public Dictionary<(VitalSign Sign, bool Upward, bool LastingChange), DateTimeOffset> LastSpike { get; } = [];
    }

    /// <summary>
    /// The highest level of a condition that has alerted and not yet cleared. It clears (down to the current
    /// level) only once the current level has stayed below it for the clear-after time.
    /// </summary>
    private sealed class OpenCondition
    {
        private AlertCondition? _open;
        private DateTimeOffset? _belowSince;

        /// <returns>The level to alert on, when <paramref name="current"/> is above what is open.</returns>
        public AlertCondition? Enter(AlertCondition? current, DateTimeOffset at, TimeSpan clearAfter)
        {
            if (current is { } level && (_open is null || level > _open))
            {
                _open = level;
                _belowSince = null;
                return level;
            }
            if (_open is { } open && (current is null || current < open))
            {
                _belowSince ??= at;
                if (at - _belowSince >= clearAfter)
                {
                    _open = current;
                    _belowSince = null;
                }
            }
            else
            {
                _belowSince = null;
            }
            return null;
        }
    }
}
