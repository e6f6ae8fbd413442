using VitalTwin.Clinical;
using VitalTwin.Clinical.Screening;
using VitalTwin.Clinical.Settings;
using VitalTwin.Detection;
using VitalTwin.TwinState.Core.Forecasting;

namespace VitalTwin.TwinState.Core;

/// <summary>
/// The binary layout of a <see cref="TwinSnapshot"/>: a version byte, then the state in a fixed order. Derived
/// values (NEWS2, the projection, the latest-value view) are not written; they are scored again on reading.
/// A new layout takes a new version number, and older versions stay readable.
/// </summary>
internal static class TwinSnapshotFormat
{
    // 2 added each vital's NEWS2 window and a band change waiting out its hold, with the NEWS2 held meanwhile;
    // 3 the boot each device's last sequence number counts in; 4 who recorded the context and when, each vital's
    // forecast interval with the forecasts awaiting their check and the errors of those checked, and its recent
    // artifact episodes; 5 what clinicians' commands left: the last command's position, the personal alarm
    // settings and the acknowledged anomalies with their verdicts.
    private const byte Version = 5;

    [Flags]
    private enum ContextFields : byte
    {
        None = 0,
        Oxygen = 1,
        OnOxygen = 2,
        Consciousness = 4,
        Ward = 8,
        Bed = 16,
        RecordedBy = 32,
        RecordedAt = 64,
    }

    [Flags]
    private enum VitalFields : byte
    {
        None = 0,
        Stale = 1,
        Scored = 2,
        ScoredIsLatest = 4,
    }

    public static void Write(BinaryWriter writer, TwinSnapshot snapshot)
    {
        writer.Write(Version);
        writer.Write(snapshot.PatientId);
        WriteContext(writer, snapshot.Context);
        writer.Write(snapshot.ClockTicks);
        WriteTime(writer, snapshot.UpdatedAt);
        writer.Write(snapshot.ReadingsApplied);
        writer.Write(snapshot.AnomaliesSeen);

        writer.Write7BitEncodedInt(snapshot.DeviceSequences.Count);
        foreach (var (device, sequence) in snapshot.DeviceSequences.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            writer.Write(device);
            writer.Write(sequence.Last);
            writer.Write(sequence.BootId);
        }

        writer.Write7BitEncodedInt(snapshot.Vitals.Count);
        foreach (var vital in snapshot.Vitals.Values.OrderBy(v => v.Sign))
        {
            WriteVital(writer, vital);
        }

        writer.Write7BitEncodedInt(snapshot.OpenAnomalies.Count);
        foreach (var anomaly in snapshot.OpenAnomalies)
        {
            WriteAnomaly(writer, anomaly);
        }

        writer.Write7BitEncodedInt(snapshot.ScreenState.Length);
        writer.Write(snapshot.ScreenState);
        writer.Write(snapshot.BandChange is not null);
        if (snapshot.BandChange is { } change)
        {
            writer.Write(change.SinceTicks);
            writer.Write(change.Up);
            WriteNews2(writer, snapshot.News2);
        }

        writer.Write(snapshot.Version);
        WriteSettings(writer, snapshot.Settings);
        writer.Write7BitEncodedInt(snapshot.Acknowledged.Count);
        foreach (var acknowledged in snapshot.Acknowledged)
        {
            WriteAnomaly(writer, acknowledged.Anomaly);
            writer.Write((byte)acknowledged.Verdict);
            writer.Write(acknowledged.AcknowledgedBy);
            WriteTime(writer, acknowledged.AcknowledgedAt);
            writer.Write(acknowledged.Reason);
        }
    }

    public static TwinSnapshot Read(BinaryReader reader)
    {
        var version = reader.ReadByte();
        if (version is not (1 or 2 or 3 or 4 or Version))
        {
            throw new InvalidDataException($"Twin snapshot format {version} is not one this version reads.");
        }

        var patientId = reader.ReadString();
        var context = ReadContext(reader);
        var clock = reader.ReadInt64();
        var updatedAt = ReadTime(reader);
        var readingsApplied = reader.ReadUInt64();
        var anomaliesSeen = reader.ReadUInt32();

        int devices = reader.Read7BitEncodedInt();
        var sequences = new Dictionary<string, DeviceSequence>(devices, StringComparer.Ordinal);
        for (int i = 0; i < devices; i++)
        {
            var device = reader.ReadString();
            var last = reader.ReadUInt64();
            // Snapshots before version 3 knew no boots: every device counted as one that sends none.
            sequences[device] = new DeviceSequence(version >= 3 ? reader.ReadUInt64() : 0, last);
        }

        int vitalCount = reader.Read7BitEncodedInt();
        var vitals = new Dictionary<VitalSign, VitalStatus>(vitalCount);
        for (int i = 0; i < vitalCount; i++)
        {
            var vital = ReadVital(reader, version);
            vitals[vital.Sign] = vital;
        }

        int anomalyCount = reader.Read7BitEncodedInt();
        var anomalies = new TwinAnomaly[anomalyCount];
        for (int i = 0; i < anomalyCount; i++)
        {
            anomalies[i] = ReadAnomaly(reader);
        }

        News2BandChange? bandChange = null;
        News2Result? held = null;
        byte[] screen = [];
        if (version >= 2)
        {
            screen = reader.ReadBytes(reader.Read7BitEncodedInt());
            var episodes = ArtifactScreen.Read(new BinaryReader(new MemoryStream(screen, writable: false)));
            foreach (var vital in vitals.Values)
            {
                vital.Artifact = episodes.Episode(vital.Sign);
            }
        }
        if (version >= 2 && reader.ReadBoolean())
        {
            bandChange = new News2BandChange(reader.ReadInt64(), reader.ReadBoolean());
            held = ReadNews2(reader);
        }

        // Before version 5 no command had been applied from the command topic: no settings, no verdicts.
        var commands = version >= 5 ? ReadCommands(reader) : TwinCommandState.None;

        // Without a pending band change NEWS2 is derived again from the inputs, as in version 1.
        var snapshot = new TwinSnapshot(patientId, context, clock, updatedAt, readingsApplied, anomaliesSeen, vitals, sequences, Array.AsReadOnly(anomalies), commands: commands) { ScreenState = screen };
        return held is null ? snapshot
            : new TwinSnapshot(patientId, context, clock, updatedAt, readingsApplied, anomaliesSeen, vitals, sequences, Array.AsReadOnly(anomalies), held, snapshot.Projection, bandChange, commands: commands) { ScreenState = screen };
    }

    private static TwinCommandState ReadCommands(BinaryReader reader)
    {
        var version = reader.ReadInt64();
        var settings = ReadSettings(reader);
        var acknowledged = new AcknowledgedAnomaly[reader.Read7BitEncodedInt()];
        for (int i = 0; i < acknowledged.Length; i++)
        {
            acknowledged[i] = new AcknowledgedAnomaly(
                ReadAnomaly(reader),
                Defined((AnomalyVerdict)reader.ReadByte()),
                AcknowledgedBy: reader.ReadString(),
                AcknowledgedAt: ReadTime(reader),
                Reason: reader.ReadString());
        }

        return new TwinCommandState(version, settings, Array.AsReadOnly(acknowledged));
    }

    private static void WriteAnomaly(BinaryWriter writer, TwinAnomaly anomaly)
    {
        writer.Write(anomaly.Id);
        writer.Write((byte)anomaly.Kind);
        writer.Write((byte)anomaly.Sign);
        WriteTime(writer, anomaly.ObservedAt);
        writer.Write(anomaly.Value);
        writer.Write(anomaly.DeviceId);
        writer.Write(anomaly.Detector);
        writer.Write(anomaly.Explanation);
    }

    private static TwinAnomaly ReadAnomaly(BinaryReader reader) => new(
        Id: reader.ReadString(),
        Kind: Defined((AnomalyKind)reader.ReadByte()),
        Sign: Defined((VitalSign)reader.ReadByte()),
        ObservedAt: ReadTime(reader),
        Value: reader.ReadDouble(),
        DeviceId: reader.ReadString(),
        Detector: reader.ReadString(),
        Explanation: reader.ReadString());

    private static void WriteSettings(BinaryWriter writer, AlarmSettings settings)
    {
        writer.Write(settings.Version);
        WriteTime(writer, settings.UpdatedAt);
        writer.Write(settings.SpO2Scale2 is not null);
        if (settings.SpO2Scale2 is { } scale2)
        {
            WriteProvenance(writer, scale2);
        }

        writer.Write7BitEncodedInt(settings.Vitals.Count);
        foreach (var vital in settings.Vitals)
        {
            writer.Write((byte)vital.Sign);
            writer.Write((byte)((vital.LowLimit is null ? 0 : 1) | (vital.HighLimit is null ? 0 : 2)));
            if (vital.LowLimit is { } low)
            {
                writer.Write(low);
            }

            if (vital.HighLimit is { } high)
            {
                writer.Write(high);
            }

            writer.Write(vital.HoldTime.Ticks);
            writer.Write((byte)vital.Sensitivity);
            WriteProvenance(writer, vital.Provenance);
        }
    }

    private static AlarmSettings ReadSettings(BinaryReader reader)
    {
        var version = reader.ReadInt64();
        var updatedAt = ReadTime(reader);
        var scale2 = reader.ReadBoolean() ? ReadProvenance(reader) : null;
        var vitals = new VitalAlarmSetting[reader.Read7BitEncodedInt()];
        for (int i = 0; i < vitals.Length; i++)
        {
            var sign = Defined((VitalSign)reader.ReadByte());
            var limits = reader.ReadByte();
            double? low = (limits & 1) != 0 ? reader.ReadDouble() : null;
            double? high = (limits & 2) != 0 ? reader.ReadDouble() : null;
            vitals[i] = new VitalAlarmSetting(sign, low, high, TimeSpan.FromTicks(reader.ReadInt64()), Defined((DetectorSensitivity)reader.ReadByte()), ReadProvenance(reader));
        }

        return vitals.Length == 0 && scale2 is null && version == 0 ? AlarmSettings.None : new AlarmSettings(Array.AsReadOnly(vitals), scale2, version, updatedAt);
    }

    private static void WriteProvenance(BinaryWriter writer, SettingProvenance provenance)
    {
        writer.Write(provenance.Reason);
        writer.Write(provenance.Author);
        WriteTime(writer, provenance.SetAt);
        WriteTime(writer, provenance.ExpiresAt);
    }

    private static SettingProvenance ReadProvenance(BinaryReader reader) =>
        new(Reason: reader.ReadString(), Author: reader.ReadString(), SetAt: ReadTime(reader), ExpiresAt: ReadTime(reader));

    private static void WriteNews2(BinaryWriter writer, News2Result news2)
    {
        writer.Write((byte)news2.Risk);
        writer.Write(news2.Complete);
        writer.Write((byte)news2.SubScores.Count);
        foreach (var sub in news2.SubScores)
        {
            writer.Write((byte)sub.Parameter);
            writer.Write((byte)sub.Score);
            writer.Write((byte)((sub.Assumed ? 1 : 0) | (sub.Missing ? 2 : 0)));
        }
    }

    private static News2Result ReadNews2(BinaryReader reader)
    {
        var risk = Defined((News2Risk)reader.ReadByte());
        var complete = reader.ReadBoolean();
        var subScores = new News2SubScore[reader.ReadByte()];
        for (int i = 0; i < subScores.Length; i++)
        {
            var parameter = Defined((News2Parameter)reader.ReadByte());
            var score = reader.ReadByte();
            var flags = reader.ReadByte();
            subScores[i] = new News2SubScore(parameter, score, Assumed: (flags & 1) != 0, Missing: (flags & 2) != 0);
        }

        return new News2Result(subScores.Sum(s => s.Score), Array.AsReadOnly(subScores), risk, complete);
    }

    private static void WriteContext(BinaryWriter writer, PatientContext context)
    {
        var fields = ContextFields.None;
        fields |= context.OnSupplementalOxygen is { } oxygen ? ContextFields.Oxygen | (oxygen ? ContextFields.OnOxygen : 0) : 0;
        fields |= context.Consciousness is null ? 0 : ContextFields.Consciousness;
        fields |= context.Ward is null ? 0 : ContextFields.Ward;
        fields |= context.Bed is null ? 0 : ContextFields.Bed;
        fields |= context.RecordedBy is null ? 0 : ContextFields.RecordedBy;
        fields |= context.RecordedAt is null ? 0 : ContextFields.RecordedAt;
        writer.Write((byte)fields);
        writer.Write((byte)context.SpO2Scale);
        if (context.Consciousness is { } level)
        {
            writer.Write((byte)level);
        }

        if (context.Ward is { } ward)
        {
            writer.Write(ward);
        }

        if (context.Bed is { } bed)
        {
            writer.Write(bed);
        }

        if (context.RecordedBy is { } recordedBy)
        {
            writer.Write(recordedBy);
        }

        if (context.RecordedAt is { } recordedAt)
        {
            WriteTime(writer, recordedAt);
        }
    }

    private static PatientContext ReadContext(BinaryReader reader)
    {
        var fields = (ContextFields)reader.ReadByte();
        var scale = Defined((SpO2Scale)reader.ReadByte());
        Consciousness? consciousness = fields.HasFlag(ContextFields.Consciousness) ? Defined((Consciousness)reader.ReadByte()) : null;
        var ward = fields.HasFlag(ContextFields.Ward) ? reader.ReadString() : null;
        var bed = fields.HasFlag(ContextFields.Bed) ? reader.ReadString() : null;
        var recordedBy = fields.HasFlag(ContextFields.RecordedBy) ? reader.ReadString() : null;
        DateTimeOffset? recordedAt = fields.HasFlag(ContextFields.RecordedAt) ? ReadTime(reader) : null;
        bool? onOxygen = fields.HasFlag(ContextFields.Oxygen) ? fields.HasFlag(ContextFields.OnOxygen) : null;
        return new PatientContext(onOxygen, scale, consciousness, ward, bed, recordedBy, recordedAt);
    }

    private static void WriteVital(BinaryWriter writer, VitalStatus vital)
    {
        var fields = vital.IsStale ? VitalFields.Stale : VitalFields.None;
        fields |= vital.Scored is null ? 0 : VitalFields.Scored;
        fields |= ReferenceEquals(vital.Scored, vital.Latest) || vital.Scored == vital.Latest ? VitalFields.ScoredIsLatest : 0;
        writer.Write((byte)vital.Sign);
        writer.Write((byte)fields);
        WriteObservation(writer, vital.Latest);
        if (vital.Scored is { } scored && !fields.HasFlag(VitalFields.ScoredIsLatest))
        {
            WriteObservation(writer, scored);
        }

        vital.BaselineState.Write(writer);

        writer.Write7BitEncodedInt(vital.Pending.Length);
        foreach (var pending in vital.Pending)
        {
            writer.Write(pending.Ticks);
            writer.Write(pending.Value);
        }

        writer.Write(vital.Open.Bucket);
        writer.Write(vital.Open.Sum);
        writer.Write(vital.Open.Count);

        writer.Write(vital.BucketTicks);
        writer.Write7BitEncodedInt(vital.Points.Length);
        writer.Write(vital.NewestBucket);
        foreach (var point in vital.Points)
        {
            writer.Write(point);
        }

        writer.Write(vital.SlopePerHourValue);
        writer.Write(vital.ForecastValue);
        writer.Write(vital.ForecastAtTicks);

        writer.Write7BitEncodedInt(vital.Window.Length);
        foreach (var reading in vital.Window)
        {
            writer.Write(reading.Ticks);
            writer.Write(reading.Value);
        }

        writer.Write(vital.ScoredValue);

        writer.Write(vital.ForecastLower);
        writer.Write(vital.ForecastUpper);
        writer.Write7BitEncodedInt(vital.PendingForecasts.Length);
        foreach (var pending in vital.PendingForecasts)
        {
            writer.Write(pending.Bucket);
            writer.Write(pending.Value);
        }

        writer.Write7BitEncodedInt(vital.ForecastMisses.Length);
        foreach (var miss in vital.ForecastMisses)
        {
            writer.Write(miss);
        }

        writer.Write7BitEncodedInt(vital.RecentArtifacts.Count);
        foreach (var episode in vital.RecentArtifacts)
        {
            writer.Write((byte)episode.Kind);
            WriteTime(writer, episode.StartedAt);
            writer.Write(episode.EndedAt is not null);
            if (episode.EndedAt is { } endedAt)
            {
                WriteTime(writer, endedAt);
            }
        }
    }

    private static VitalStatus ReadVital(BinaryReader reader, byte version)
    {
        var sign = Defined((VitalSign)reader.ReadByte());
        var fields = (VitalFields)reader.ReadByte();
        var latest = ReadObservation(reader, sign);
        var scored = !fields.HasFlag(VitalFields.Scored) ? null
            : fields.HasFlag(VitalFields.ScoredIsLatest) ? latest
            : ReadObservation(reader, sign);
        var baseline = PersonalBaseline.Read(reader);

        var pending = new PendingReading[reader.Read7BitEncodedInt()];
        for (int i = 0; i < pending.Length; i++)
        {
            pending[i] = new PendingReading(reader.ReadInt64(), reader.ReadDouble());
        }

        var open = new OpenBucket(reader.ReadInt64(), reader.ReadDouble(), reader.ReadInt32());
        var bucketTicks = reader.ReadInt64();
        var points = new float[reader.Read7BitEncodedInt()];
        var newestBucket = reader.ReadInt64();
        for (int i = 0; i < points.Length; i++)
        {
            points[i] = reader.ReadSingle();
        }

        var slopePerHour = reader.ReadDouble();
        var forecast = reader.ReadDouble();
        var forecastAtTicks = reader.ReadInt64();
        PendingReading[]? window = null;
        double? scoredValue = null;
        if (version >= 2)
        {
            window = new PendingReading[reader.Read7BitEncodedInt()];
            for (int i = 0; i < window.Length; i++)
            {
                window[i] = new PendingReading(reader.ReadInt64(), reader.ReadDouble());
            }

            scoredValue = reader.ReadDouble();
        }

        // Before version 4 no forecast was checked and no episode kept: the interval waits for checks anew.
        var (lower, upper) = (double.NaN, double.NaN);
        PendingForecast[] pendingForecasts = [];
        float[] misses = [];
        SignalArtifactEpisode[] artifacts = [];
        if (version >= 4)
        {
            (lower, upper) = (reader.ReadDouble(), reader.ReadDouble());
            pendingForecasts = new PendingForecast[reader.Read7BitEncodedInt()];
            for (int i = 0; i < pendingForecasts.Length; i++)
            {
                pendingForecasts[i] = new PendingForecast(reader.ReadInt64(), reader.ReadDouble());
            }

            misses = new float[reader.Read7BitEncodedInt()];
            for (int i = 0; i < misses.Length; i++)
            {
                misses[i] = reader.ReadSingle();
            }

            artifacts = new SignalArtifactEpisode[reader.Read7BitEncodedInt()];
            for (int i = 0; i < artifacts.Length; i++)
            {
                var kind = Defined((SignalArtifact)reader.ReadByte());
                var startedAt = ReadTime(reader);
                DateTimeOffset? endedAt = reader.ReadBoolean() ? ReadTime(reader) : null;
                artifacts[i] = new SignalArtifactEpisode(kind, startedAt, endedAt);
            }
        }

        return new VitalStatus(
            sign,
            latest,
            scored,
            fields.HasFlag(VitalFields.Stale),
            baseline,
            pending,
            open,
            points,
            newestBucket,
            bucketTicks,
            slopePerHour,
            forecast,
            forecastAtTicks,
            window,
            scoredValue)
        {
            ForecastLower = lower,
            ForecastUpper = upper,
            PendingForecasts = pendingForecasts,
            ForecastMisses = misses,
            RecentArtifacts = artifacts,
        };
    }

    private static void WriteObservation(BinaryWriter writer, VitalObservation observation)
    {
        writer.Write(observation.Value);
        writer.Write(observation.Unit);
        WriteTime(writer, observation.ObservedAt);
        writer.Write(observation.DeviceId);
        writer.Write(observation.SequenceNumber);
        writer.Write7BitEncodedInt((int)observation.Quality);
    }

    private static VitalObservation ReadObservation(BinaryReader reader, VitalSign sign) => new(
        sign,
        Value: reader.ReadDouble(),
        Unit: reader.ReadString(),
        ObservedAt: ReadTime(reader),
        DeviceId: reader.ReadString(),
        SequenceNumber: reader.ReadUInt64(),
        Quality: (ReadingQuality)reader.Read7BitEncodedInt());

    // Local ticks and offset, so the time reads back with the offset it was written with.
    private static void WriteTime(BinaryWriter writer, DateTimeOffset time)
    {
        writer.Write(time.Ticks);
        writer.Write((short)time.Offset.TotalMinutes);
    }

    private static DateTimeOffset ReadTime(BinaryReader reader)
    {
        var ticks = reader.ReadInt64();
        var offset = TimeSpan.FromMinutes(reader.ReadInt16());
        try
        {
            return new DateTimeOffset(ticks, offset);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException("The twin snapshot holds an invalid time.", e);
        }
    }

    private static T Defined<T>(T value)
        where T : struct, Enum =>
        Enum.IsDefined(value) ? value : throw new InvalidDataException($"The twin snapshot holds an unknown {typeof(T).Name} {value}.");
}
