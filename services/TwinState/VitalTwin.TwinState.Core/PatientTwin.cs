using VitalTwin.Clinical;
using VitalTwin.Clinical.Screening;
using VitalTwin.Clinical.Settings;

namespace VitalTwin.TwinState.Core;

/// <summary>
/// The live model of one patient: the latest value of each vital with its provenance and quality, a personal
/// baseline per vital, NEWS2 with every sub-score and explicit missing and stale parameters, trends and a
/// short-term forecast with its projected NEWS2, open anomalies and the clinical context.
/// </summary>
/// <remarks>
/// <para>
/// A reading is applied at most once (<see cref="AppliedReadings"/>: device, boot and sequence number), so replays
/// after a restart and resends through another Gateway are harmless.
/// </para>
/// <para>
/// Time: the twin's clock is the later of the last time given to <see cref="RefreshStaleness"/> and the newest
/// reading applied, so a replay behaves as the live stream did. A vital is stale when its newest usable value is
/// older than <see cref="TwinSettings.StaleAfter"/> by that clock; NEWS2 then scores it as missing. Each change of
/// staleness is reported once, by the update that made it: a reading (<see cref="TwinChange.Staleness"/>) or a
/// refresh (<see cref="TwinRefresh.Staleness"/>).
/// </para>
/// <para>
/// Sources: one device at a time is a vital's source. A reading from another device replaces the latest value
/// only if it is of better quality (clean over questionable over artifact) or the source has sent nothing for
/// <see cref="TwinSettings.ReconciliationWindow"/>; otherwise it is counted as reconciled and goes no further,
/// so two devices measuring the same vital are not counted twice in baseline, trend or NEWS2.
/// </para>
/// <para>
/// Artifacts are shown as the latest value with their flags but never scored or learnt from: NEWS2 scores the
/// newest non-artifact value. Baseline and trend learn each clean reading only after it has waited out
/// <see cref="TwinSettings.BaselineHoldBack"/>; an anomaly reported for it before then (or before it arrived)
/// keeps it out. An anomaly reported later than that is too late, and the baseline's clipping bounds its effect.
/// </para>
/// <para>
/// Clinicians' commands: <see cref="Version"/> is the position of the last command applied, so the host applies each
/// command once. Personal alarm settings are held as set; those in force at the twin's clock count, and while an SpO2
/// scale 2 setting is, NEWS2 scores SpO2 on scale 2 (a change that causes counts at once, as a context change does).
/// </para>
/// </remarks>
public sealed class PatientTwin
{
    private readonly Lock _gate = new();
    private readonly TwinSettings _settings;
    private readonly VitalTrack?[] _tracks = new VitalTrack?[TwinScoring.SignCount];
    private AppliedReadings _applied = new();
    private List<TwinAnomaly>? _openAnomalies;
    private PatientContext _context = PatientContext.Unrecorded;
    private long _clockTicks;
    private DateTimeOffset _updatedAt;
    private ulong _readingsApplied;
    private uint _anomaliesSeen;
    private News2Result _news2;
    private uint _news2Key;
    private News2BandChange? _bandChange;
    private ArtifactScreen _screen = new();
    private News2Projection? _projection;
    private AlarmSettings _alarmSettings = AlarmSettings.None;
    private SpO2Scale _scoredScale;
    private long _version = NoVersion;
    private List<AcknowledgedAnomaly>? _acknowledged;

    /// <summary>The <see cref="Version"/> of a twin no command was applied to (a command's position may be 0).</summary>
    public const long NoVersion = -1;

    /// <summary>How long an acknowledged anomaly is kept, from when it was observed, by the twin's clock.</summary>
    public static readonly TimeSpan AcknowledgedKeptFor = TimeSpan.FromHours(72);

    // Bounds the snapshot whatever the clinicians do; far above what 72 hours of acknowledging brings.
    private const int MaxAcknowledged = 256;

    public PatientTwin(string patientId, TwinSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(patientId);
        PatientId = patientId;
        _settings = settings ?? TwinSettings.Default;
        _settings.Validate();
        Span<ScoringInput> inputs = stackalloc ScoringInput[TwinScoring.SignCount];
        FillScoringInputs(inputs);
        _scoredScale = ScoringContext().SpO2Scale;
        (_news2, _news2Key) = TwinScoring.Score(ScoringContext(), inputs);
    }

    public string PatientId { get; }

    /// <summary>The position of the last clinician command applied to this twin; <see cref="NoVersion"/> before any.</summary>
    public long Version
    {
        get
        {
            lock (_gate)
            {
                return _version;
            }
        }
    }

    /// <summary>The patient's personal alarm settings as last set, expired ones included (judge them with <see cref="AlarmSettings.InForceAt"/>).</summary>
    public AlarmSettings Settings
    {
        get
        {
            lock (_gate)
            {
                return _alarmSettings;
            }
        }
    }

    public PatientContext Context
    {
        get
        {
            lock (_gate)
            {
                return _context;
            }
        }
    }

    /// <summary>Rebuilds a twin from a snapshot (or <see cref="TwinSnapshot.FromBytes"/>); it behaves exactly as the original would.</summary>
    /// <exception cref="ArgumentException">The snapshot's trend buckets differ from <paramref name="settings"/>.</exception>
    public static PatientTwin Restore(TwinSnapshot snapshot, TwinSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var twin = new PatientTwin(snapshot.PatientId, settings)
        {
            _context = snapshot.Context,
            _clockTicks = snapshot.ClockTicks,
            _updatedAt = snapshot.UpdatedAt,
            _readingsApplied = snapshot.ReadingsApplied,
            _anomaliesSeen = snapshot.AnomaliesSeen,
            _openAnomalies = snapshot.OpenAnomalies.Count == 0 ? null : [.. snapshot.OpenAnomalies],
            _applied = new AppliedReadings(snapshot.DeviceSequences),
            _alarmSettings = snapshot.Settings,
            _version = snapshot.Version,
            _acknowledged = snapshot.Acknowledged.Count == 0 ? null : [.. snapshot.Acknowledged],
        };

        foreach (var vital in snapshot.Vitals.Values)
        {
            twin._tracks[(int)vital.Sign] = VitalTrack.FromStatus(vital, twin._settings);
        }

        Span<ScoringInput> inputs = stackalloc ScoringInput[TwinScoring.SignCount];
        twin.FillScoringInputs(inputs);
        var scoring = twin.ScoringContext();
        twin._scoredScale = scoring.SpO2Scale;
        (twin._news2, twin._news2Key) = TwinScoring.Score(scoring, inputs);
        twin._projection = TwinScoring.Project(scoring, inputs);
        // A band change still waiting out its hold stays pending with the band the twin had: a restart neither loses it nor confirms it early.
        twin._bandChange = snapshot.BandChange;
        twin._screen = snapshot.Screen();
        if (snapshot.BandChange is not null)
        {
            twin._news2 = snapshot.News2;
        }

        return twin;
    }

    public TwinChange Apply(VitalObservation observation)
    {
        ArgumentNullException.ThrowIfNull(observation);
        lock (_gate)
        {
            if (!_applied.TryApply(observation.DeviceId, observation.BootId, observation.SequenceNumber))
            {
                return new TwinChange(ReadingEffect.Duplicate, false, _news2, _news2, false);
            }

            _readingsApplied++;
            var track = _tracks[(int)observation.Sign] ??= new VitalTrack(observation.Sign);
            var effect = Reconcile(track, observation);
            var scoredBefore = track.ScoredValue;
            var trendChanged = false;
            _clockTicks = Math.Max(_clockTicks, observation.ObservedAt.UtcTicks);
            if (effect == ReadingEffect.Latest)
            {
                // An artifact the device did not flag is kept out as one it flagged: shown, never scored nor learnt.
                var clean = !observation.Quality.IsArtifact();
                if (clean)
                {
                    var verdict = _screen.Screen(observation.Sign, observation.Value, observation.ObservedAt);
                    track.Screened(verdict, observation.ObservedAt);
                    clean = verdict == SignalArtifact.None;
                }

                track.Take(observation, scored: clean, _settings);
                if (observation.ObservedAt > _updatedAt)
                {
                    _updatedAt = observation.ObservedAt;
                }

                if (clean && !IsAnomalous(observation.Sign, observation.ObservedAt))
                {
                    trendChanged = track.HoldBack(observation.ObservedAt.UtcTicks, observation.Value, _clockTicks, _settings);
                }
            }

            var advanced = Advance();
            var scoredAfter = track.ScoredValue;
            // Compared bit for bit: NaN (nothing scored yet) equals NaN.
            var moved = BitConverter.DoubleToInt64Bits(scoredBefore) != BitConverter.DoubleToInt64Bits(scoredAfter);
            return Rescore(effect, trendChanged || advanced.TrendChanged, contextChanged: false) with
            {
                Staleness = advanced.Staleness,
                Scored = moved ? new ScoredMove(observation.Sign, scoredBefore, scoredAfter) : null,
            };
        }
    }

    /// <summary>Records the clinical context; NEWS2 and its projection are scored again with it.</summary>
    public TwinChange SetContext(PatientContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        lock (_gate)
        {
            if (context == _context)
            {
                return new TwinChange(ReadingEffect.None, false, _news2, _news2, false);
            }

            _context = context;
            return Rescore(ReadingEffect.None, trendChanged: false, contextChanged: true);
        }
    }

    /// <summary>
    /// Opens an anomaly a detector reported and keeps the reading it concerns out of the baseline and trend.
    /// Returns false when it is already open or was acknowledged (a replay).
    /// </summary>
    public bool RecordAnomaly(TwinAnomaly anomaly)
    {
        ArgumentNullException.ThrowIfNull(anomaly);
        ArgumentException.ThrowIfNullOrEmpty(anomaly.Id, nameof(anomaly));
        lock (_gate)
        {
            // An acknowledged one stays closed: a replay of the anomalies topic must not open it again.
            if (_openAnomalies?.Exists(a => a.Id == anomaly.Id) == true || _acknowledged?.Exists(a => a.Anomaly.Id == anomaly.Id) == true)
            {
                return false;
            }

            _anomaliesSeen++;
            _tracks[(int)anomaly.Sign]?.Exclude(anomaly.ObservedAt.UtcTicks);
            if (!HasExpired(anomaly))
            {
                _openAnomalies ??= [];
                _openAnomalies.Add(anomaly);
                if (_openAnomalies.Count > _settings.MaxOpenAnomalies)
                {
                    _openAnomalies.Remove(_openAnomalies.MinBy(a => a.ObservedAt)!);
                }
            }

            return true;
        }
    }

    /// <summary>Closes an open anomaly without a verdict; false when none with that id is open.</summary>
    public bool AcknowledgeAnomaly(string anomalyId) => AcknowledgeAnomaly(anomalyId, AnomalyVerdict.Unspecified, string.Empty, default, string.Empty);

    /// <summary>
    /// Closes an open anomaly and keeps it, with the clinician's verdict, among the acknowledged ones for
    /// <see cref="AcknowledgedKeptFor"/>; false when none with that id is open.
    /// </summary>
    public bool AcknowledgeAnomaly(string anomalyId, AnomalyVerdict verdict, string acknowledgedBy, DateTimeOffset acknowledgedAt, string reason)
    {
        ArgumentNullException.ThrowIfNull(anomalyId);
        ArgumentNullException.ThrowIfNull(acknowledgedBy);
        ArgumentNullException.ThrowIfNull(reason);
        lock (_gate)
        {
            var index = _openAnomalies?.FindIndex(a => a.Id == anomalyId) ?? -1;
            if (index < 0)
            {
                return false;
            }

            var anomaly = _openAnomalies![index];
            _openAnomalies.RemoveAt(index);
            _acknowledged ??= [];
            _acknowledged.Add(new AcknowledgedAnomaly(anomaly, verdict, acknowledgedBy, acknowledgedAt, reason));
            if (_acknowledged.Count > MaxAcknowledged)
            {
                _acknowledged.RemoveAt(0);
            }

            return true;
        }
    }

    /// <summary>
    /// Replaces the personal alarm settings. NEWS2 is scored again when the SpO2 scale in force changes with them,
    /// and that change counts at once, as a context change does.
    /// </summary>
    public TwinChange SetAlarmSettings(AlarmSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        lock (_gate)
        {
            _alarmSettings = settings;
            return Rescore(ReadingEffect.None, trendChanged: false, contextChanged: false);
        }
    }

    /// <summary>
    /// Records that the clinician command at <paramref name="version"/> was applied. False, and nothing recorded, when
    /// the twin is already at or past it: the command was applied before (a replay), and must not be again.
    /// </summary>
    public bool AdvanceVersion(long version)
    {
        lock (_gate)
        {
            if (version <= _version)
            {
                return false;
            }

            _version = version;
            return true;
        }
    }

    /// <summary>
    /// Moves the twin's clock to <paramref name="now"/> (never back): vitals whose newest usable value grew older
    /// than their threshold turn stale, held-back readings that waited long enough are learnt, and anomalies past
    /// <see cref="TwinSettings.AnomalyOpenFor"/> close. Returns whether staleness, NEWS2, the projected band or
    /// the open anomalies changed, and which vitals turned stale. A personal limit that expires with the clock is
    /// announced as a NEWS2 change too: the default limit it stood for applies again to values that may hold still.
    /// </summary>
    public TwinRefresh RefreshStaleness(DateTimeOffset now)
    {
        lock (_gate)
        {
            var before = Time.FromUtcTicks(_clockTicks);
            _clockTicks = Math.Max(_clockTicks, now.UtcTicks);
            var limitExpired = _alarmSettings.Vitals.Any(v =>
                (v.LowLimit is not null || v.HighLimit is not null) && v.Provenance.InForceAt(before) && !v.Provenance.InForceAt(now));
            var advanced = Advance();
            var change = Rescore(ReadingEffect.None, advanced.TrendChanged, contextChanged: false);
            var announce = change.News2Changed || limitExpired;
            var changed = advanced.Staleness.Count > 0 || advanced.AnomaliesClosed || announce || change.ProjectedRiskChanged;
            return new TwinRefresh(changed, advanced.Staleness) { News2Change = announce ? change : null };
        }
    }

    public TwinSnapshot Snapshot()
    {
        lock (_gate)
        {
            var vitals = new Dictionary<VitalSign, VitalStatus>();
            foreach (var track in _tracks)
            {
                if (track?.Latest is not null)
                {
                    vitals[track.Sign] = track.ToStatus(_settings, _screen.Episode(track.Sign));
                }
            }

            return new TwinSnapshot(
                PatientId,
                _context,
                _clockTicks,
                _updatedAt,
                _readingsApplied,
                _anomaliesSeen,
                vitals,
                new Dictionary<string, DeviceSequence>(_applied.ByDevice, StringComparer.Ordinal),
                _openAnomalies is null ? [] : _openAnomalies.ToArray(),
                _news2,
                _projection,
                _bandChange,
                _screen,
                new TwinCommandState(_version, _alarmSettings, _acknowledged is null ? [] : _acknowledged.ToArray()));
        }
    }

    private ReadingEffect Reconcile(VitalTrack track, VitalObservation observation)
    {
        if (track.Latest is not { } latest)
        {
            return ReadingEffect.Latest;
        }

        if (observation.ObservedAt < latest.ObservedAt)
        {
            return ReadingEffect.Late;
        }

        if (string.Equals(observation.DeviceId, latest.DeviceId, StringComparison.Ordinal)
            || observation.ObservedAt - latest.ObservedAt > _settings.ReconciliationWindow
            || observation.Quality.Rank() > latest.Quality.Rank())
        {
            return ReadingEffect.Latest;
        }

        return ReadingEffect.Reconciled;
    }

    private bool IsAnomalous(VitalSign sign, DateTimeOffset observedAt) =>
        _openAnomalies?.Exists(a => a.Sign == sign && a.ObservedAt.UtcTicks == observedAt.UtcTicks) == true;

    private bool HasExpired(TwinAnomaly anomaly) => anomaly.ObservedAt.UtcTicks + _settings.AnomalyOpenFor.Ticks <= _clockTicks;

    private (bool TrendChanged, IReadOnlyList<StalenessChange> Staleness, bool AnomaliesClosed) Advance()
    {
        var trendChanged = false;
        List<StalenessChange>? staleness = null;
        foreach (var track in _tracks)
        {
            if (track is null)
            {
                continue;
            }

            trendChanged |= track.Release(_clockTicks, _settings);
            var scoredAt = track.Scored?.ObservedAt;
            var stale = scoredAt is { } at && _clockTicks - at.UtcTicks > _settings.StaleAfterFor(track.Sign).Ticks;
            if (stale != track.IsStale)
            {
                track.IsStale = stale;
                if (scoredAt is { } lastObservedAt)
                {
                    (staleness ??= []).Add(new StalenessChange(track.Sign, stale, lastObservedAt, Time.FromUtcTicks(_clockTicks)));
                }
            }
        }

        var closed = _openAnomalies?.RemoveAll(HasExpired) > 0;
        closed |= _acknowledged?.RemoveAll(a => a.Anomaly.ObservedAt.UtcTicks + AcknowledgedKeptFor.Ticks <= _clockTicks) > 0;
        return (trendChanged, staleness is null ? [] : staleness, closed);
    }

    private TwinChange Rescore(ReadingEffect effect, bool trendChanged, bool contextChanged)
    {
        var previous = _news2;
        Span<ScoringInput> inputs = stackalloc ScoringInput[TwinScoring.SignCount];
        FillScoringInputs(inputs);
        var scoring = ScoringContext();
        // A scale 2 setting coming into force or expiring changes the scale as a clinician's context change would.
        contextChanged |= scoring.SpO2Scale != _scoredScale;
        _scoredScale = scoring.SpO2Scale;
        var (candidate, key) = TwinScoring.Score(scoring, inputs);
        var current = Hold(candidate, immediately: contextChanged);
        var news2Changed = key != _news2Key || !TwinScoring.SameScore(previous, current);
        if (news2Changed)
        {
            (_news2, _news2Key) = (current, key);
        }

        var projectedRiskChanged = false;
        if (news2Changed || trendChanged || contextChanged)
        {
            var projection = TwinScoring.Project(scoring, inputs);
            projectedRiskChanged = projection?.Risk != _projection?.Risk;
            _projection = projection;
        }

        return new TwinChange(effect, news2Changed, previous, _news2, projectedRiskChanged);
    }

    /// <summary>
    /// The NEWS2 the twin stands by: within its band the newest score; a different band only once the move to it,
    /// one way, has lasted <see cref="TwinSettings.News2Hold"/>. A clinician's context change counts at once.
    /// </summary>
    private News2Result Hold(News2Result candidate, bool immediately)
    {
        if (candidate.Risk == _news2.Risk || immediately || _settings.News2Hold == TimeSpan.Zero)
        {
            _bandChange = null;
            return candidate;
        }

        var up = candidate.Risk > _news2.Risk;
        if (_bandChange is not { } pending || pending.Up != up)
        {
            _bandChange = new News2BandChange(_clockTicks, up);
            return _news2;
        }

        if (_clockTicks - pending.SinceTicks < _settings.News2Hold.Ticks)
        {
            return _news2;
        }

        _bandChange = null;
        return candidate;
    }

    private PatientContext ScoringContext() => TwinScoring.ScoringContext(_context, _alarmSettings, _clockTicks);

    private void FillScoringInputs(Span<ScoringInput> inputs)
    {
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = _tracks[i]?.ScoringInput ?? ScoringInput.Missing;
        }
    }
}
