using VitalTwin.Clinical;
using VitalTwin.Clinical.Screening;
using VitalTwin.Clinical.Settings;

namespace VitalTwin.TwinState.Core;

/// <summary>
/// A consistent copy of a twin, safe to read while the twin goes on changing. It holds the twin's whole state
/// (device sequence numbers, baselines with their held-back readings, trend windows, open anomalies, context),
/// so <see cref="PatientTwin.Restore"/> of it, or of its bytes, carries on exactly as the original would.
/// </summary>
public sealed class TwinSnapshot : IEquatable<TwinSnapshot>
{
    private readonly ScoringInput[] _scoring;

    internal TwinSnapshot(
        string patientId,
        PatientContext context,
        long clockTicks,
        DateTimeOffset updatedAt,
        ulong readingsApplied,
        uint anomaliesSeen,
        IReadOnlyDictionary<VitalSign, VitalStatus> vitals,
        IReadOnlyDictionary<string, DeviceSequence> deviceSequences,
        IReadOnlyList<TwinAnomaly> openAnomalies,
        News2Result? news2 = null,
        News2Projection? projection = null,
        News2BandChange? bandChange = null,
        ArtifactScreen? screen = null,
        TwinCommandState? commands = null)
    {
        commands ??= TwinCommandState.None;
        Version = commands.Version;
        Settings = commands.Settings;
        Acknowledged = commands.Acknowledged;
        BandChange = bandChange;
        if (screen is not null)
        {
            using var buffer = new MemoryStream();
            using (var writer = new BinaryWriter(buffer))
            {
                screen.Write(writer);
            }
            ScreenState = buffer.ToArray();
        }
        PatientId = patientId;
        Context = context;
        ClockTicks = clockTicks;
        UpdatedAt = updatedAt;
        ReadingsApplied = readingsApplied;
        AnomaliesSeen = anomaliesSeen;
        Vitals = vitals;
        DeviceSequences = deviceSequences;
        OpenAnomalies = openAnomalies;
        _scoring = new ScoringInput[TwinScoring.SignCount];
        for (int i = 0; i < _scoring.Length; i++)
        {
            _scoring[i] = vitals.TryGetValue((VitalSign)i, out var vital) ? vital.ScoringInput : ScoringInput.Missing;
        }

        var scoring = TwinScoring.ScoringContext(context, Settings, clockTicks);
        News2 = news2 ?? TwinScoring.Score(scoring, _scoring).Result;
        Projection = news2 is null ? TwinScoring.Project(scoring, _scoring) : projection;
        Latest = vitals.Values.ToDictionary(v => v.Sign, v => v.Latest);
    }

    public string PatientId { get; }

    public PatientContext Context { get; }

    /// <summary>The twin's clock: the later of the last time given to <see cref="PatientTwin.RefreshStaleness"/> and the newest reading applied.</summary>
    public DateTimeOffset? AsOf => ClockTicks == 0 ? null : Time.FromUtcTicks(ClockTicks);

    /// <summary>Observed time of the newest reading that became a latest value.</summary>
    public DateTimeOffset UpdatedAt { get; }

    public ulong ReadingsApplied { get; }

    public uint AnomaliesSeen { get; }

    /// <summary>Every vital the twin has had a reading of.</summary>
    public IReadOnlyDictionary<VitalSign, VitalStatus> Vitals { get; }

    /// <summary>The latest reading of each vital.</summary>
    public IReadOnlyDictionary<VitalSign, VitalObservation> Latest { get; }

    /// <summary>
    /// Each vital as NEWS2 scored it: its newest scored reading carrying the median of the NEWS2 window, so reasons
    /// quote the value behind the score; the latest reading where none was scored.
    /// </summary>
    public IEnumerable<VitalObservation> AsScored =>
        Vitals.Values.OrderBy(v => v.Sign).Select(v => v.Scored is { } scored ? scored with { Value = v.ScoredValue } : v.Latest);

    /// <summary>NEWS2 with every sub-score; stale vitals are scored as missing (see <see cref="News2Inputs"/>).</summary>
    public News2Result News2 { get; }

    /// <summary>How each NEWS2 parameter, in chart order, got its score: measured, missing, stale, recorded or assumed.</summary>
    public IReadOnlyList<News2Input> News2Inputs => TwinScoring.Inputs(Context, _scoring);

    /// <summary>NEWS2 scored on the forecasts at the horizon; null while no vital has a forecast.</summary>
    public News2Projection? Projection { get; }

    public IReadOnlyList<TwinAnomaly> OpenAnomalies { get; }

    /// <summary>The position of the last clinician command applied (<see cref="PatientTwin.Version"/>).</summary>
    public long Version { get; }

    /// <summary>The personal alarm settings as last set, expired ones included; <see cref="SettingsInForce"/> are those that count.</summary>
    public AlarmSettings Settings { get; }

    /// <summary>The settings in force at the twin's clock.</summary>
    public AlarmSettings SettingsInForce => Settings.InForceAt(Time.FromUtcTicks(ClockTicks));

    /// <summary>Anomalies clinicians acknowledged in the last <see cref="PatientTwin.AcknowledgedKeptFor"/>, with their verdict, in the order acknowledged.</summary>
    public IReadOnlyList<AcknowledgedAnomaly> Acknowledged { get; }

    /// <summary>The last sequence number applied from each device, and the boot it counts in, which makes replays harmless.</summary>
    public IReadOnlyDictionary<string, DeviceSequence> DeviceSequences { get; }

    internal long ClockTicks { get; }

    /// <summary>A band change waiting out its hold; <see cref="News2"/> is then the band the twin had, not the score of its inputs.</summary>
    internal News2BandChange? BandChange { get; }

    /// <summary>The artifact screen's state, as <see cref="ArtifactScreen.Write"/> wrote it; empty for a fresh screen.</summary>
    internal byte[] ScreenState { get; init; } = [];

    internal ArtifactScreen Screen()
    {
        if (ScreenState.Length == 0)
        {
            return new ArtifactScreen();
        }
        using var reader = new BinaryReader(new MemoryStream(ScreenState, writable: false));
        return ArtifactScreen.Read(reader);
    }

    public byte[] ToBytes()
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer))
        {
            TwinSnapshotFormat.Write(writer, this);
        }

        return buffer.ToArray();
    }

    /// <exception cref="InvalidDataException">The bytes are not a snapshot of a version this code reads.</exception>
    public static TwinSnapshot FromBytes(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        using var reader = new BinaryReader(new MemoryStream(bytes, writable: false));
        return Read(reader);
    }

    public void Write(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        TwinSnapshotFormat.Write(writer, this);
    }

    /// <exception cref="InvalidDataException">The data is not a snapshot of a version this code reads.</exception>
    public static TwinSnapshot Read(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        try
        {
            return TwinSnapshotFormat.Read(reader);
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or ArgumentException or OverflowException)
        {
            throw new InvalidDataException("The twin snapshot is truncated or corrupt.", e);
        }
    }

    public bool Equals(TwinSnapshot? other) =>
        other is not null
        && PatientId == other.PatientId
        && Context == other.Context
        && ClockTicks == other.ClockTicks
        && UpdatedAt.Equals(other.UpdatedAt)
        && UpdatedAt.Offset == other.UpdatedAt.Offset
        && ReadingsApplied == other.ReadingsApplied
        && AnomaliesSeen == other.AnomaliesSeen
        && SameEntries(Vitals, other.Vitals)
        && SameEntries(DeviceSequences, other.DeviceSequences)
        && OpenAnomalies.SequenceEqual(other.OpenAnomalies)
        && Version == other.Version
        && SameSettings(Settings, other.Settings)
        && Acknowledged.SequenceEqual(other.Acknowledged)
        && BandChange == other.BandChange
        && ScreenState.AsSpan().SequenceEqual(other.ScreenState)
        && TwinScoring.SameScore(News2, other.News2)
        && (Projection is null ? other.Projection is null : other.Projection is not null && Projection.At == other.Projection.At && TwinScoring.SameScore(Projection.News2, other.Projection.News2));

    public override bool Equals(object? obj) => Equals(obj as TwinSnapshot);

    public override int GetHashCode() => HashCode.Combine(PatientId, ClockTicks, ReadingsApplied, AnomaliesSeen, News2.Total);

    private static bool SameSettings(AlarmSettings a, AlarmSettings b) =>
        a.Vitals.SequenceEqual(b.Vitals) && a.SpO2Scale2 == b.SpO2Scale2 && a.Version == b.Version && a.UpdatedAt == b.UpdatedAt;

    private static bool SameEntries<TKey, TValue>(IReadOnlyDictionary<TKey, TValue> a, IReadOnlyDictionary<TKey, TValue> b)
        where TKey : notnull =>
        a.Count == b.Count && a.All(entry => b.TryGetValue(entry.Key, out var value) && EqualityComparer<TValue>.Default.Equals(entry.Value, value));
}

/// <summary>What clinicians' commands left on a twin: the last command's position, the alarm settings, the acknowledged anomalies.</summary>
internal sealed record TwinCommandState(long Version, AlarmSettings Settings, IReadOnlyList<AcknowledgedAnomaly> Acknowledged)
{
    public static TwinCommandState None { get; } = new(PatientTwin.NoVersion, AlarmSettings.None, []);
}
