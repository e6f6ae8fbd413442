using System.Collections.Concurrent;
using System.Globalization;
using VitalTwin.Clinical;
using VitalTwin.Clinical.Settings;

namespace VitalTwin.Notification.Core;

/// <summary>
/// Decides when a patient's state deserves an alert, and when the condition behind an alert has cleared.
/// NEWS2 (RCP 2017): aggregate 5-6 is the key threshold (medium), 7 or more is high, and 3 in a single
/// parameter needs an urgent review. Detector anomalies alert once per vital and direction within a quiet
/// period, never when the vital moved back towards the patient's usual level, and several vitals moving
/// together raise one combined alert. A monitored vital that stopped arriving alerts as a technical condition.
/// A condition alerts when it is entered, not on every event while it holds, and counts as cleared only after
/// it stayed clear for a while (hysteresis), so one open alert per patient and key is all there ever is.
/// Time is the readings' time, so a replay at any speed decides the same; <see cref="Advance"/> lets clear
/// times pass when no event for the patient arrives.
/// A patient's personal alarm settings (<paramref name="settings"/>, judged in force at each event's time) replace a
/// vital's default single-parameter alert on a side with a personal limit by a personal-limit alert, held back for the
/// setting's hold time; put SpO2 on scale 2; and are named on every alert they decided.
/// </summary>
public sealed class AlertPolicy(AlertPolicyOptions options, VitalCatalogue catalogue, Func<string, AlarmSettings>? settings = null)
{
    private readonly ConcurrentDictionary<string, PatientAlertState> _patients = new(StringComparer.Ordinal);
    private long _suppressedTowardsBaseline;
    private long _spikesNotAlerted;
    private long _changesWithinNormal;

    /// <summary>Lasting changes that raised no alert: <see cref="AlertPolicyOptions.AlertOnChanges"/> is off, or the vital's new value scores under 2 in NEWS2.</summary>
    public long ChangesWithinNormal => Interlocked.Read(ref _changesWithinNormal);

    /// <summary>Spikes a detector flagged that raised no alert because <see cref="AlertPolicyOptions.AlertOnSpikes"/> is off.</summary>
    public long SpikesNotAlerted => Interlocked.Read(ref _spikesNotAlerted);

    /// <summary>Anomalies that moved a vital back towards the patient's usual level, which do not alert.</summary>
    public long SuppressedTowardsBaseline => Interlocked.Read(ref _suppressedTowardsBaseline);

    public AlertOutcome OnNews2Changed(string patientId, News2Result news2, IReadOnlyList<VitalValue> vitals, DateTimeOffset observedAt)
    {
        ArgumentNullException.ThrowIfNull(news2);
        ArgumentNullException.ThrowIfNull(vitals);
        var state = State(patientId);
        var outcome = new OutcomeBuilder();
        var personal = SettingsAt(patientId, observedAt);
        lock (state)
        {
            Expire(patientId, state, observedAt, outcome);
            state.News2Total = news2.Total;
            state.LastNews2 = news2;
            state.LastVitals = vitals;

            var high = news2.Risk == News2Risk.High;
            var highEntered = state.High.Observe(high, observedAt);
            var mediumEntered = state.Medium.Observe(high || news2.Risk == News2Risk.Medium, observedAt);
            // A side with a personal limit alerts at that limit instead (JudgePersonalLimits).
            var scoringThree = news2.SubScores
                .Where(s => s.Score >= 3)
                .Select(s => (Sub: s, Vital: VitalOf(s.Parameter, vitals)))
                // The twin holds a band change until it lasted, so a held 3 can come with a value back in the vital's
                // normal band: a condition clearing, whose direction the value no longer tells. (SpO2 is left out: its
                // normal band depends on the scale in the twin's context.)
                .Where(s => s.Vital is not { } v || v.Sign == VitalSign.OxygenSaturation || News2.ScoreVital(v.Sign, v.Value, SpO2Scale.Scale1, onOxygen: false) > 0)
                .Select(s => (s.Sub, s.Vital, Key: SingleParameterKey(s.Sub.Parameter, s.Vital)))
                .Where(s => PersonalLimit(personal, s.Key) is null)
                .ToDictionary(s => s.Key, s => (s.Sub, s.Vital));
            if (highEntered)
            {
                // One deterioration, one alert: the high alert supersedes an open medium one, and jumping straight
                // to high raises the high alert only; the medium condition is covered by it.
                state.High.Raised = true;
                var supersedes = state.Medium.Raised ? [new AlertKey(AlertCondition.News2Medium)] : new List<AlertKey>();
                state.Medium.Raised = false;
                state.Named = Named(news2);
                outcome.Raise(Aggregate(patientId, AlertCondition.News2High, news2, vitals, observedAt, personal) with { Supersedes = [.. supersedes, .. FoldSingleParameters(state)] });
            }
            else if (mediumEntered)
            {
                state.Medium.Raised = true;
                state.Named = Named(news2);
                outcome.Raise(Aggregate(patientId, AlertCondition.News2Medium, news2, vitals, observedAt, personal) with { Supersedes = FoldSingleParameters(state) });
            }

            foreach (var key in state.SingleParameter.Keys.Where(k => k.Condition == AlertCondition.News2SingleParameter).Union(scoringThree.Keys).ToList())
            {
                var latch = state.SingleParameter.TryGetValue(key, out var existing) ? existing : state.SingleParameter[key] = new Latch();
                // A parameter the open NEWS2 alert already names is folded into it; one it did not name is a new
                // problem (a desaturation in a patient whose alert was raised for sepsis hours ago) and alerts.
                if (latch.Observe(scoringThree.ContainsKey(key), observedAt) && !(AggregateOpen(state) && state.Named.Contains(scoringThree[key].Sub.Parameter)))
                {
                    latch.Raised = true;
                    var (sub, vital) = scoringThree[key];
                    var reason = Reason(sub, vital);
                    outcome.Raise(new AlertDecision(patientId, AlertCondition.News2SingleParameter, AlertPriority.Medium,
                        "Single NEWS2 parameter scores 3: " + reason.Text, [reason], news2.Total)
                    { Key = key, ObservedAt = observedAt, PersonalSettings = ScaleTwoApplied(personal, [sub]) });
                }
            }
            JudgePersonalLimits(patientId, state, personal, observedAt, outcome);
            Expire(patientId, state, observedAt, outcome);
        }
        return outcome.Build();
    }

    private static bool AggregateOpen(PatientAlertState state) => state.High.Raised || state.Medium.Raised;

    /// <summary>The parameters a NEWS2 alert raised on this score names among its reasons.</summary>
    private static HashSet<News2Parameter> Named(News2Result news2) => [.. news2.SubScores.Where(s => s.Score >= 1).Select(s => s.Parameter)];

    /// <summary>The single-parameter and trending-worse alerts open now, which a NEWS2 alert being raised folds in.</summary>
    private static List<AlertKey> FoldSingleParameters(PatientAlertState state)
    {
        var folded = new List<AlertKey>();
        if (state.TrendRaisedAt is not null && !state.TrendFolded)
        {
            state.TrendFolded = true;
            folded.Add(new AlertKey(AlertCondition.TrendingWorse));
        }
        foreach (var (key, latch) in state.SingleParameter)
        {
            if (latch.Raised)
            {
                latch.Raised = false;
                folded.Add(key);
            }
        }
        return folded;
    }

    public AlertOutcome OnAnomaly(SpikeObservation anomaly)
    {
        ArgumentNullException.ThrowIfNull(anomaly);
        var state = State(anomaly.PatientId);
        var outcome = new OutcomeBuilder();
        var personal = SettingsAt(anomaly.PatientId, anomaly.ObservedAt);
        lock (state)
        {
            Expire(anomaly.PatientId, state, anomaly.ObservedAt, outcome);
            if (anomaly.Deterioration)
            {
                TrendingWorse(anomaly, state, outcome, personal);
                return outcome.Build();
            }
            var key = new AlertKey(anomaly.LastingChange ? AlertCondition.VitalChange : AlertCondition.VitalSpike, anomaly.Sign, anomaly.Upward ? AlertDirection.Up : AlertDirection.Down);
            if (state.Anomalies.ContainsKey(key))
            {
                return outcome.Build();
            }
            if (!anomaly.LastingChange && !options.AlertOnSpikes)
            {
                Interlocked.Increment(ref _spikesNotAlerted);
                return outcome.Build();
            }
            // A lasting change that leaves the vital where NEWS2 scores it 0 or 1 is a trend to watch, not an alarm.
            if (anomaly.LastingChange && (!options.AlertOnChanges || !ScoresClinically(anomaly.Sign, anomaly.Value, personal, state)))
            {
                Interlocked.Increment(ref _changesWithinNormal);
                return outcome.Build();
            }
            if (MovedTowardsBaseline(anomaly))
            {
                Interlocked.Increment(ref _suppressedTowardsBaseline);
                return outcome.Build();
            }

            var reason = AnomalyReason(anomaly);
            var entry = new OpenAnomaly(anomaly.ObservedAt, reason);
            state.Anomalies[key] = entry;
            var recent = state.Anomalies
                .Where(a => a.Key.Sign != anomaly.Sign && !a.Value.Folded && anomaly.ObservedAt - a.Value.RaisedAt <= options.CombineWindow)
                .ToList();
            if (state.Combined is not null)
            {
                // Already combined: a further vital joins the open combined alert rather than raising its own.
                entry.Folded = true;
            }
            else if (recent.Count > 0)
            {
                entry.Folded = true;
                foreach (var other in recent)
                {
                    other.Value.Folded = true;
                }
                state.Combined = new Latch { Open = true, Raised = true };
                var reasons = recent.Select(r => r.Value.Reason).Append(reason).ToList();
                var names = recent.Select(r => Describe(r.Key)).Append(Describe(key));
                // Both directions of one vital can be among them: count vitals, not reasons.
                var vitalCount = recent.Select(r => r.Key.Sign).Append(key.Sign).Distinct().Count();
                outcome.Raise(new AlertDecision(anomaly.PatientId, AlertCondition.VitalsCombined, AlertPriority.Medium,
                    $"{vitalCount} vitals changed within {Minutes(options.CombineWindow)}: {string.Join(", ", names)}", reasons, state.News2Total)
                {
                    Key = new AlertKey(AlertCondition.VitalsCombined),
                    ObservedAt = anomaly.ObservedAt,
                    Supersedes = recent.Select(r => r.Key).ToList(),
                    PersonalSettings = SensitivityApplied(personal, recent.Select(r => r.Key.Sign).Append(key.Sign)),
                });
            }
            else
            {
                var name = catalogue[anomaly.Sign].Name;
                var summary = anomaly.LastingChange
                    ? $"Lasting {(anomaly.Upward ? "rise" : "fall")} in {name}"
                    : $"Sudden {(anomaly.Upward ? "rise" : "fall")} in {name}";
                var priority = ScoresClinically(anomaly.Sign, anomaly.Value, personal, state) ? AlertPriority.Medium : AlertPriority.Low;
                outcome.Raise(new AlertDecision(anomaly.PatientId, key.Condition, priority, summary, [reason], state.News2Total)
                { Key = key, ObservedAt = anomaly.ObservedAt, PersonalSettings = SensitivityApplied(personal, [anomaly.Sign]) });
            }
        }
        return outcome.Build();
    }

    /// <summary>
    /// Low priority, for awareness: the patient is drifting from their usual before NEWS2 says so. Folded into an
    /// open NEWS2 alert, which already asks for more; superseded by one raised later, so the alert escalates.
    /// </summary>
    private void TrendingWorse(SpikeObservation anomaly, PatientAlertState state, OutcomeBuilder outcome, AlarmSettings personal)
    {
        if (state.TrendRaisedAt is not null || AggregateOpen(state))
        {
            return;
        }
        state.TrendRaisedAt = anomaly.ObservedAt;
        var text = anomaly.Explanation ?? $"{Capitalise(catalogue[anomaly.Sign].Name)} drifting from this patient's usual";
        outcome.Raise(new AlertDecision(anomaly.PatientId, AlertCondition.TrendingWorse, AlertPriority.Low, "Trending worse: " + text,
            [new AlertReason(text, anomaly.Sign, anomaly.Value, anomaly.Unit) { Baseline = double.IsNaN(anomaly.PersonalBaseline) ? null : anomaly.PersonalBaseline }],
            state.News2Total)
        { Key = new AlertKey(AlertCondition.TrendingWorse), ObservedAt = anomaly.ObservedAt, PersonalSettings = SensitivityApplied(personal, personal.Vitals.Select(v => (VitalSign?)v.Sign)) });
    }

    /// <summary>A monitored vital stopped arriving (<paramref name="stale"/>) or arrived again.</summary>
    public AlertOutcome OnVitalStale(string patientId, VitalSign sign, bool stale, DateTimeOffset lastObservedAt, DateTimeOffset at)
    {
        var state = State(patientId);
        var outcome = new OutcomeBuilder();
        lock (state)
        {
            Expire(patientId, state, at, outcome);
            var key = new AlertKey(AlertCondition.VitalStale, sign);
            if (stale && state.Stale.Add(sign))
            {
                var name = catalogue[sign].Name;
                var silentFor = at - lastObservedAt;
                outcome.Raise(new AlertDecision(patientId, AlertCondition.VitalStale, AlertPriority.Low,
                    $"No {name} received for {Minutes(silentFor)}",
                    [new AlertReason($"{Capitalise(name)} last received {Minutes(silentFor)} ago; NEWS2 counts it as missing", sign)],
                    state.News2Total)
                { Key = key, ObservedAt = at });
            }
            else if (!stale && state.Stale.Remove(sign))
            {
                // A vital arriving again is unambiguous: no hysteresis needed.
                outcome.Clear(new AlertClearance(patientId, key, at));
            }
        }
        return outcome.Build();
    }

    /// <summary>Lets time pass for every patient: conditions whose clear time has run out clear now.</summary>
    public AlertOutcome Advance(DateTimeOffset now)
    {
        var outcome = new OutcomeBuilder();
        foreach (var (patientId, state) in _patients)
        {
            lock (state)
            {
                Expire(patientId, state, now, outcome);
            }
        }
        return outcome.Build();
    }

    /// <summary>Lets time pass for these patients only (one partition's, whose event time reached <paramref name="now"/>).</summary>
    public AlertOutcome Advance(IEnumerable<string> patientIds, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(patientIds);
        var outcome = new OutcomeBuilder();
        foreach (var patientId in patientIds)
        {
            if (_patients.TryGetValue(patientId, out var state))
            {
                lock (state)
                {
                    Expire(patientId, state, now, outcome);
                }
            }
        }
        return outcome.Build();
    }

    /// <summary>
    /// Marks a key open as an alert raised at <paramref name="raisedAt"/> once was: after a restart, so the
    /// policy does not raise again what is already open.
    /// </summary>
    public void Restore(string patientId, AlertKey key, DateTimeOffset raisedAt)
    {
        var state = State(patientId);
        lock (state)
        {
            switch (key.Condition)
            {
                case AlertCondition.News2High:
                    state.High.Restore();
                    state.Medium.Open = true;
                    break;
                case AlertCondition.News2Medium:
                    state.Medium.Restore();
                    break;
                case AlertCondition.News2SingleParameter or AlertCondition.PersonalLimit:
                    (state.SingleParameter.TryGetValue(key, out var latch) ? latch : state.SingleParameter[key] = new Latch()).Restore();
                    break;
                case AlertCondition.VitalSpike or AlertCondition.VitalChange:
                    state.Anomalies.TryAdd(key, new OpenAnomaly(raisedAt, new AlertReason(Describe(key))));
                    break;
                case AlertCondition.VitalsCombined:
                    state.Combined = new Latch { Open = true, Raised = true };
                    state.Anomalies.TryAdd(key, new OpenAnomaly(raisedAt, new AlertReason(Describe(key))) { Folded = true });
                    break;
                case AlertCondition.TrendingWorse:
                    state.TrendRaisedAt = raisedAt;
                    break;
                case AlertCondition.VitalStale when key.Sign is { } sign:
                    state.Stale.Add(sign);
                    break;
            }
        }
    }

    /// <summary>Drops what the policy knows of these patients, when their partitions move to another instance.</summary>
    public void Forget(IEnumerable<string> patientIds)
    {
        foreach (var patientId in patientIds)
        {
            _patients.TryRemove(patientId, out _);
        }
    }

    /// <summary>The patients the policy holds state for.</summary>
    public IReadOnlyCollection<string> Patients => [.. _patients.Keys];

    private PatientAlertState State(string patientId)
    {
        ArgumentException.ThrowIfNullOrEmpty(patientId);
        return _patients.GetOrAdd(patientId, static _ => new PatientAlertState());
    }

    private void Expire(string patientId, PatientAlertState state, DateTimeOffset now, OutcomeBuilder outcome)
    {
        if (state.CrossedSince.Count > 0)
        {
            // The twin's last values hold until its next event: a limit crossed then may have been held long enough now.
            JudgePersonalLimits(patientId, state, SettingsAt(patientId, now), now, outcome);
        }
        if (state.High.Expire(now, options.ClearAfter))
        {
            // Settling at medium still needs an urgent response, and the twin sends no further event while the
            // score stays put: the alert steps down to medium now, superseding the high one rather than beside it.
            if (state.Medium.Open && !state.Medium.Raised && state.LastNews2 is { Risk: News2Risk.Medium } last)
            {
                state.Medium.Raised = true;
                state.Named = Named(last);
                outcome.Raise(Aggregate(patientId, AlertCondition.News2Medium, last, state.LastVitals, now, SettingsAt(patientId, now)) with { Supersedes = [new AlertKey(AlertCondition.News2High)] });
            }
            else
            {
                outcome.Clear(new AlertClearance(patientId, new AlertKey(AlertCondition.News2High), now));
            }
        }
        if (state.Medium.Expire(now, options.ClearAfter))
        {
            outcome.Clear(new AlertClearance(patientId, new AlertKey(AlertCondition.News2Medium), now));
        }
        foreach (var (key, latch) in state.SingleParameter)
        {
            if (latch.Expire(now, options.ClearAfter))
            {
                outcome.Clear(new AlertClearance(patientId, key, now));
            }
        }

        foreach (var (key, anomaly) in state.Anomalies.Where(a => now - a.Value.RaisedAt >= options.SpikeQuietPeriod).ToList())
        {
            state.Anomalies.Remove(key);
            if (!anomaly.Folded)
            {
                outcome.Clear(new AlertClearance(patientId, key, now));
            }
        }
        if (state.TrendRaisedAt is { } trendAt && now - trendAt >= options.TrendOpenFor)
        {
            state.TrendRaisedAt = null;
            if (!state.TrendFolded)
            {
                outcome.Clear(new AlertClearance(patientId, new AlertKey(AlertCondition.TrendingWorse), now));
            }
            state.TrendFolded = false;
        }
        if (state.Combined is not null && !state.Anomalies.Values.Any(a => a.Folded))
        {
            state.Combined = null;
            outcome.Clear(new AlertClearance(patientId, new AlertKey(AlertCondition.VitalsCombined), now));
        }
    }

    private bool MovedTowardsBaseline(SpikeObservation anomaly) =>
        !double.IsNaN(anomaly.PersonalBaseline)
        && Math.Abs(anomaly.Value - anomaly.PersonalBaseline) < Math.Abs(anomaly.BaselineMean - anomaly.PersonalBaseline);

    /// <summary>Whether the value itself lies in a band NEWS2 scores 2 or more (SpO2 on scale 1, or scale 2 while a personal setting says so).</summary>
    private static bool ScoresClinically(VitalSign sign, double value, AlarmSettings personal, PatientAlertState state) =>
        News2.ScoreVital(sign, value, ScaleOf(personal), OnOxygen(state)) >= 2;

    private static SpO2Scale ScaleOf(AlarmSettings personal) => personal.SpO2Scale2 is null ? SpO2Scale.Scale1 : SpO2Scale.Scale2;

    private static bool OnOxygen(PatientAlertState state) =>
        state.LastNews2?.SubScores.Any(s => s.Parameter == News2Parameter.AirOrOxygen && s.Score > 0) ?? false;

    private AlertDecision Aggregate(string patientId, AlertCondition condition, News2Result news2, IReadOnlyList<VitalValue> vitals, DateTimeOffset observedAt, AlarmSettings personal)
    {
        var high = condition == AlertCondition.News2High;
        var scored = news2.SubScores.Where(s => s.Score >= 1).ToList();
        var reasons = scored.Select(s => Reason(s, VitalOf(s.Parameter, vitals))).ToList();
        return new AlertDecision(patientId, condition, high ? AlertPriority.High : AlertPriority.Medium,
            string.Create(CultureInfo.InvariantCulture, $"NEWS2 {news2.Total} ({(high ? "high" : "medium")} risk)"), reasons, news2.Total)
        { Key = new AlertKey(condition), ObservedAt = observedAt, PersonalSettings = ScaleTwoApplied(personal, scored) };
    }

    private AlarmSettings SettingsAt(string patientId, DateTimeOffset at) =>
        settings is null ? AlarmSettings.None : settings(patientId).InForceAt(at);

    /// <summary>The patient's limit on the key's vital and side, which replaces the default single-parameter alert there; null when none.</summary>
    private static double? PersonalLimit(AlarmSettings personal, AlertKey key) =>
        key.Sign is { } sign && personal.For(sign) is { } setting
            ? key.Direction switch
            {
                AlertDirection.Up => setting.HighLimit,
                AlertDirection.Down => setting.LowLimit,
                _ => null,
            }
            : null;

    /// <summary>
    /// Compares the twin's last values with the personal limits in force at <paramref name="at"/>: a limit crossed
    /// (at or beyond it) alerts once it has stayed crossed for the setting's hold time, and, like a single-parameter
    /// alert, clears once it stayed clear for the clear-after time. An open alert's vital crossing again needs no new hold.
    /// </summary>
    private void JudgePersonalLimits(string patientId, PatientAlertState state, AlarmSettings personal, DateTimeOffset at, OutcomeBuilder outcome)
    {
        Dictionary<AlertKey, (VitalAlarmSetting Setting, VitalValue Vital, double Limit)>? crossed = null;
        foreach (var setting in personal.Vitals)
        {
            if (VitalOf(setting.Sign, state.LastVitals) is not { } vital)
            {
                continue;
            }
            if (setting.LowLimit is { } low && vital.Value <= low)
            {
                (crossed ??= [])[new AlertKey(AlertCondition.PersonalLimit, setting.Sign, AlertDirection.Down)] = (setting, vital, low);
            }
            else if (setting.HighLimit is { } high && vital.Value >= high)
            {
                (crossed ??= [])[new AlertKey(AlertCondition.PersonalLimit, setting.Sign, AlertDirection.Up)] = (setting, vital, high);
            }
        }
        foreach (var key in state.CrossedSince.Keys.Where(k => crossed?.ContainsKey(k) != true).ToList())
        {
            state.CrossedSince.Remove(key);
        }
        var keys = state.SingleParameter.Keys.Where(k => k.Condition == AlertCondition.PersonalLimit);
        foreach (var key in (crossed is null ? keys : keys.Union(crossed.Keys)).ToList())
        {
            var latch = state.SingleParameter.TryGetValue(key, out var existing) ? existing : state.SingleParameter[key] = new Latch();
            var held = false;
            if (crossed?.TryGetValue(key, out var crossing) == true)
            {
                var since = state.CrossedSince.TryGetValue(key, out var from) ? from : state.CrossedSince[key] = at;
                held = latch.Open || at - since >= crossing.Setting.HoldTime;
            }
            if (latch.Observe(held, at) && !(AggregateOpen(state) && state.Named.Contains(News2.ParameterOf(key.Sign!.Value))))
            {
                latch.Raised = true;
                var (setting, vital, limit) = crossed![key];
                outcome.Raise(PersonalLimitAlert(patientId, key, setting, vital, limit, state.CrossedSince[key], at, personal, state));
            }
        }
    }

    private AlertDecision PersonalLimitAlert(
        string patientId, AlertKey key, VitalAlarmSetting setting, VitalValue vital, double limit, DateTimeOffset crossedSince, DateTimeOffset at, AlarmSettings personal, PatientAlertState state)
    {
        var low = key.Direction == AlertDirection.Down;
        var held = setting.HoldTime > TimeSpan.Zero ? ", for " + Minutes(at - crossedSince) : string.Empty;
        var text = string.Create(CultureInfo.InvariantCulture,
            $"{Capitalise(catalogue[vital.Sign].Name)} {vital.Value:0.#} {vital.Unit} {(low ? "at or under" : "at or over")} this patient's {(low ? "low" : "high")} limit of {limit:0.#} {vital.Unit}{held}");
        var applied = Applied(setting.Sign, LimitDescription(setting, key.Direction, limit, personal, state), setting.Provenance);
        return new AlertDecision(patientId, AlertCondition.PersonalLimit, AlertPriority.Medium, "Personal alarm limit: " + text,
            [new AlertReason(text, vital.Sign, vital.Value, vital.Unit)], state.News2Total)
        {
            Key = key,
            ObservedAt = at,
            PersonalSettings = [applied, .. ScaleTwoApplied(personal, vital.Sign == VitalSign.OxygenSaturation ? state.LastNews2?.SubScores ?? [] : [])],
        };
    }

    private string LimitDescription(VitalAlarmSetting setting, AlertDirection direction, double limit, AlarmSettings personal, PatientAlertState state)
    {
        var definition = catalogue[setting.Sign];
        var defaultLimit = DefaultLimit(setting.Sign, direction, ScaleOf(personal), OnOxygen(state));
        var byDefault = defaultLimit is { } d ? string.Create(CultureInfo.InvariantCulture, $"default {d:0.#}") : "no default";
        var hold = setting.HoldTime > TimeSpan.Zero ? ", held " + Minutes(setting.HoldTime) : string.Empty;
        return string.Create(CultureInfo.InvariantCulture,
            $"{Capitalise(definition.Name)} {(direction == AlertDirection.Down ? "low" : "high")} limit {limit:0.#} {definition.CanonicalUnit} ({byDefault}){hold}");
    }

    /// <summary>Where NEWS2 scores the vital 3 on that side (the default alert limit), as a whole value; null where it never does.</summary>
    private static double? DefaultLimit(VitalSign sign, AlertDirection direction, SpO2Scale scale, bool onOxygen) => (sign, direction == AlertDirection.Up) switch
    {
        (VitalSign.HeartRate, false) => 40,
        (VitalSign.HeartRate, true) => 131,
        (VitalSign.RespiratoryRate, false) => 8,
        (VitalSign.RespiratoryRate, true) => 25,
        (VitalSign.SystolicBloodPressure, false) => 90,
        (VitalSign.SystolicBloodPressure, true) => 220,
        (VitalSign.BodyTemperature, false) => 35,
        (VitalSign.OxygenSaturation, false) => scale == SpO2Scale.Scale2 ? 83 : 91,
        (VitalSign.OxygenSaturation, true) when scale == SpO2Scale.Scale2 && onOxygen => 97,
        _ => null,
    };

    /// <summary>SpO2 scale 2, on an alert whose scores include SpO2's while the personal setting put it on scale 2.</summary>
    private static List<AppliedSetting> ScaleTwoApplied(AlarmSettings personal, IEnumerable<News2SubScore> scored) =>
        personal.SpO2Scale2 is { } scale && scored.Any(s => s.Parameter == News2Parameter.OxygenSaturation && s.Score >= 1)
            ? [Applied(VitalSign.OxygenSaturation, "Oxygen saturation scored on NEWS2 scale 2", scale)]
            : [];

    /// <summary>The non-standard detector sensitivities in force on these vitals.</summary>
    private List<AppliedSetting> SensitivityApplied(AlarmSettings personal, IEnumerable<VitalSign?> signs) =>
        [.. signs.OfType<VitalSign>().Distinct()
            .Select(personal.For)
            .Where(s => s is { Sensitivity: not DetectorSensitivity.Standard })
            .Select(s => Applied(s!.Sign, $"{Capitalise(catalogue[s.Sign].Name)} detector sensitivity {s.Sensitivity.ToString().ToLowerInvariant()}", s.Provenance))];

    private static AppliedSetting Applied(VitalSign sign, string description, SettingProvenance provenance) =>
        new(sign, description, provenance.Reason, provenance.Author, provenance.ExpiresAt);

    private static VitalValue? VitalOf(VitalSign sign, IReadOnlyList<VitalValue> vitals)
    {
        foreach (var vital in vitals)
        {
            if (vital.Sign == sign)
            {
                return vital;
            }
        }
        return null;
    }

    private static VitalValue? VitalOf(News2Parameter parameter, IReadOnlyList<VitalValue> vitals)
    {
        foreach (var vital in vitals)
        {
            if (News2.ParameterOf(vital.Sign) == parameter)
            {
                return vital;
            }
        }
        return null;
    }

    /// <summary>One key per vital and direction, so a silenced high heart rate leaves a low one alerting.</summary>
    private static AlertKey SingleParameterKey(News2Parameter parameter, VitalValue? vital) => vital switch
    {
        { } v => new AlertKey(AlertCondition.News2SingleParameter, v.Sign, AboveNormal(v.Sign, v.Value) ? AlertDirection.Up : AlertDirection.Down),
        // Consciousness and oxygen have no device value; consciousness scoring 3 is the only such case.
        null => new AlertKey(AlertCondition.News2SingleParameter, null, parameter == News2Parameter.AirOrOxygen ? AlertDirection.Up : AlertDirection.None),
    };

    // The upper edge of each vital's NEWS2 zero-score band; on SpO2 scale 2 a score of 3 above 92 % means too high.
    private static bool AboveNormal(VitalSign sign, double value) => sign switch
    {
        VitalSign.HeartRate => value > 90,
        VitalSign.RespiratoryRate => value > 20,
        VitalSign.SystolicBloodPressure => value > 219,
        VitalSign.BodyTemperature => value > 38,
        VitalSign.OxygenSaturation => value > 92,
        _ => false,
    };

    private AlertReason Reason(News2SubScore sub, VitalValue? vital) => vital is { } v
        ? new AlertReason(string.Create(CultureInfo.InvariantCulture, $"{Capitalise(catalogue[v.Sign].Name)} {v.Value:0.#} {v.Unit} scores {sub.Score}"), v.Sign, v.Value, v.Unit)
        : new AlertReason(string.Create(CultureInfo.InvariantCulture, $"{ParameterName(sub.Parameter)} scores {sub.Score}"));

    private AlertReason AnomalyReason(SpikeObservation anomaly)
    {
        var text = anomaly.Explanation ?? string.Create(CultureInfo.InvariantCulture,
            $"{Capitalise(catalogue[anomaly.Sign].Name)} {anomaly.Value:0.#} {anomaly.Unit}, {(anomaly.Upward ? "up" : "down")} from a recent mean of {anomaly.BaselineMean:0.#} ({PValueText(anomaly.PValue)})");
        return new AlertReason(text, anomaly.Sign, anomaly.Value, anomaly.Unit)
        {
            Baseline = double.IsNaN(anomaly.PersonalBaseline) ? null : anomaly.PersonalBaseline,
            PValue = anomaly.PValue,
        };
    }

    private string Describe(AlertKey key) => key.Sign is { } sign
        ? $"{catalogue[sign].Name} {(key.Direction == AlertDirection.Up ? "up" : "down")}"
        : key.Condition.ToString();

    private string ParameterName(News2Parameter parameter) => parameter switch
    {
        News2Parameter.AirOrOxygen => "Supplemental oxygen",
        News2Parameter.Consciousness => "Consciousness",
        _ => Capitalise(catalogue.All.First(d => News2.ParameterOf(d.Sign) == parameter).Name),
    };

    private static string Minutes(TimeSpan span) =>
        span < TimeSpan.FromMinutes(1)
            ? string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0, (int)span.TotalSeconds)} s")
            : string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalMinutes} min");

    private static string PValueText(double p) =>
        p < 0.0001 ? "p < 0.0001" : string.Create(CultureInfo.InvariantCulture, $"p = {p:0.####}");

    private static string Capitalise(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    private sealed class PatientAlertState
    {
        public Latch Medium { get; } = new();
        public Latch High { get; } = new();
        public Dictionary<AlertKey, Latch> SingleParameter { get; } = [];
        public Dictionary<AlertKey, OpenAnomaly> Anomalies { get; } = [];
        public Latch? Combined { get; set; }
        public HashSet<VitalSign> Stale { get; } = [];
        public int News2Total { get; set; }

        /// <summary>The parameters the open NEWS2 alert names; a restored alert is taken to name them all.</summary>
        public HashSet<News2Parameter> Named { get; set; } = [.. Enum.GetValues<News2Parameter>()];
        public DateTimeOffset? TrendRaisedAt { get; set; }

        /// <summary>The trending-worse alert was superseded by a NEWS2 alert; its key still holds off another until it expires.</summary>
        public bool TrendFolded { get; set; }
        public News2Result? LastNews2 { get; set; }
        public IReadOnlyList<VitalValue> LastVitals { get; set; } = [];

        /// <summary>Personal limits crossed now, since when (event time): held back until their hold time has passed.</summary>
        public Dictionary<AlertKey, DateTimeOffset> CrossedSince { get; } = [];
    }

    private sealed class OpenAnomaly(DateTimeOffset raisedAt, AlertReason reason)
    {
        public DateTimeOffset RaisedAt { get; } = raisedAt;
        public AlertReason Reason { get; } = reason;

        /// <summary>Part of the patient's combined alert rather than an alert of its own.</summary>
        public bool Folded { get; set; }
    }

    /// <summary>
    /// A condition that is entered at once and left only after it stayed clear for the clear-after time.
    /// <see cref="Raised"/> tells whether entering it raised an alert (a medium NEWS2 entered together with high
    /// is covered by the high alert), and so whether leaving it clears one.
    /// </summary>
    private sealed class Latch
    {
        public bool Open { get; set; }
        public bool Raised { get; set; }
        private DateTimeOffset? _clearSince;

        /// <returns>True when the condition is entered now.</returns>
        public bool Observe(bool active, DateTimeOffset at)
        {
            if (active)
            {
                _clearSince = null;
                if (Open)
                {
                    return false;
                }
                Open = true;
                return true;
            }
            if (Open)
            {
                _clearSince ??= at;
            }
            return false;
        }

        /// <returns>True when an alert this condition raised has now cleared.</returns>
        public bool Expire(DateTimeOffset now, TimeSpan clearAfter)
        {
            if (!Open || _clearSince is not { } since || now - since < clearAfter)
            {
                return false;
            }
            Open = false;
            _clearSince = null;
            var raised = Raised;
            Raised = false;
            return raised;
        }

        public void Restore()
        {
            Open = true;
            Raised = true;
        }
    }

    private sealed class OutcomeBuilder
    {
        private List<AlertDecision>? _raised;
        private List<AlertClearance>? _cleared;

        public void Raise(AlertDecision decision) => (_raised ??= []).Add(decision);

        public void Clear(AlertClearance clearance) => (_cleared ??= []).Add(clearance);

        public AlertOutcome Build() => _raised is null && _cleared is null ? AlertOutcome.None : new AlertOutcome(_raised ?? [], _cleared ?? []);
    }
}
