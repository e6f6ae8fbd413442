namespace VitalTwin.Clinical.Screening;

/// <summary>Why a reading the device did not flag is still taken for an artifact.</summary>
public enum SignalArtifact
{
    None,

    /// <summary>Zero or below: a probe that fell off or lost the signal, not a measurement (temperature excepted).</summary>
    Dropout,

    /// <summary>
    /// SpO2 fell well below the patient's usual while pulse and breathing, which a real fall of oxygenation moves,
    /// stayed at theirs: a probe that slipped, is cold or is pressed on.
    /// </summary>
    UncorroboratedDesaturation,
}

/// <summary>
/// Finds artifacts a device did not flag from the signals themselves, with rules that hold for any patient: a
/// dropout reads zero, and oxygenation does not fall alone. An episode keeps the vital's readings out of scoring and
/// learning until the signal is plausible again and has stayed so for a settling time. An uncorroborated fall is
/// believed all the same once it has lasted <see cref="MaxUncorroborated"/>: a silent desaturation is rare but real,
/// and the screen must not hide one for long. Deterministic in the readings it is given, so the twin and the
/// detectors, each running one on the same stream, reach the same verdicts. Not thread-safe: its owner's lock
/// guards it.
/// </summary>
public sealed class ArtifactScreen
{
    /// <summary>An SpO2 this far below the patient's usual, with pulse and breathing at theirs, is suspect.</summary>
    public const double SuspectFall = 4;

    /// <summary>Pulse (/min) and breathing (/min) within these of their usual count as unmoved.</summary>
    public const double PulseUnmoved = 8;

    public const double BreathingUnmoved = 3;

    /// <summary>After an episode, the vital's readings stay out this long once they look plausible again.</summary>
    public static readonly TimeSpan Settling = TimeSpan.FromSeconds(30);

    /// <summary>The longest an SpO2 fall is held for an artifact for want of corroboration.</summary>
    public static readonly TimeSpan MaxUncorroborated = TimeSpan.FromMinutes(10);

    // The usual level follows clean readings with this time constant once it has this much history.
    private static readonly TimeSpan UsualTimeConstant = TimeSpan.FromMinutes(30);
    private static readonly TimeSpan WarmUp = TimeSpan.FromMinutes(10);
    // A vital's last reading counts as its present level this long.
    private static readonly TimeSpan Recent = TimeSpan.FromMinutes(5);

    private readonly Signal[] _signals = [new(), new(), new(), new(), new()];

    /// <summary>The open episode of each vital, or None.</summary>
    public SignalArtifact Episode(VitalSign sign) => _signals[(int)sign].Episode;

    /// <summary>Judges one reading the device did not flag; returns why it is an artifact, or None.</summary>
    public SignalArtifact Screen(VitalSign sign, double value, DateTimeOffset observedAt)
    {
        var ticks = observedAt.UtcTicks;
        var signal = _signals[(int)sign];
        var verdict = Verdict(sign, value, ticks, signal);
        if (verdict != SignalArtifact.None)
        {
            if (signal.Episode == SignalArtifact.None)
            {
                signal.EpisodeStartTicks = ticks;
            }
            signal.Episode = verdict;
            signal.PlausibleSinceTicks = 0;
            return verdict;
        }

        if (signal.Episode != SignalArtifact.None && !signal.Believed)
        {
            signal.PlausibleSinceTicks = signal.PlausibleSinceTicks == 0 ? ticks : signal.PlausibleSinceTicks;
            if (ticks - signal.PlausibleSinceTicks < Settling.Ticks)
            {
                return signal.Episode;
            }
        }

        signal.Episode = SignalArtifact.None;
        if (signal.Believed)
        {
            // A fall taken as real is the patient's present, not their usual.
            signal.Last = (ticks, value);
        }
        else
        {
            signal.Learn(ticks, value);
        }
        return SignalArtifact.None;
    }

    private SignalArtifact Verdict(VitalSign sign, double value, long ticks, Signal signal)
    {
        if (value <= 0 && sign != VitalSign.BodyTemperature)
        {
            return SignalArtifact.Dropout;
        }
        if (sign != VitalSign.OxygenSaturation || !signal.HasUsual(ticks))
        {
            return SignalArtifact.None;
        }
        if (value > signal.Usual - SuspectFall)
        {
            signal.Believed = false;
            return SignalArtifact.None;
        }
        if (signal.Believed || (signal.Episode == SignalArtifact.UncorroboratedDesaturation && ticks - signal.EpisodeStartTicks >= MaxUncorroborated.Ticks))
        {
            signal.Believed = true;
            return SignalArtifact.None;
        }
        var pulse = _signals[(int)VitalSign.HeartRate];
        var breathing = _signals[(int)VitalSign.RespiratoryRate];
        // Without a recent pulse or breathing rate to compare with, nothing contradicts the fall: it is believed.
        if (!pulse.HasPresent(ticks) || !breathing.HasPresent(ticks))
        {
            return SignalArtifact.None;
        }
        var unmoved = Math.Abs(pulse.Last.Value - pulse.Usual) <= PulseUnmoved && Math.Abs(breathing.Last.Value - breathing.Usual) <= BreathingUnmoved;
        return unmoved ? SignalArtifact.UncorroboratedDesaturation : SignalArtifact.None;
    }

    public void Write(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        foreach (var signal in _signals)
        {
            writer.Write((byte)signal.Episode);
            writer.Write(signal.Believed);
            writer.Write(signal.EpisodeStartTicks);
            writer.Write(signal.PlausibleSinceTicks);
            writer.Write(signal.FirstTicks);
            writer.Write(signal.Last.Ticks);
            writer.Write(signal.Last.Value);
            writer.Write(signal.Usual);
        }
    }

    /// <exception cref="InvalidDataException">The state is not one <see cref="Write"/> wrote.</exception>
    public static ArtifactScreen Read(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var screen = new ArtifactScreen();
        foreach (var signal in screen._signals)
        {
            signal.Episode = (SignalArtifact)reader.ReadByte();
            if (!Enum.IsDefined(signal.Episode))
            {
                throw new InvalidDataException("The artifact screen's state names an unknown artifact.");
            }
            signal.Believed = reader.ReadBoolean();
            signal.EpisodeStartTicks = reader.ReadInt64();
            signal.PlausibleSinceTicks = reader.ReadInt64();
            signal.FirstTicks = reader.ReadInt64();
            signal.Last = (reader.ReadInt64(), reader.ReadDouble());
            signal.Usual = reader.ReadDouble();
        }
        return screen;
    }

    /// <summary>One vital: its last clean reading and its usual level.</summary>
    private sealed class Signal
    {
        public SignalArtifact Episode { get; set; }

        /// <summary>The open fall has lasted past <see cref="MaxUncorroborated"/> and is taken as real until it ends.</summary>
        public bool Believed { get; set; }

        public long EpisodeStartTicks { get; set; }

        public long PlausibleSinceTicks { get; set; }

        public long FirstTicks { get; set; }

        public (long Ticks, double Value) Last { get; set; }

        public double Usual { get; set; } = double.NaN;

        public bool HasUsual(long now) => !double.IsNaN(Usual) && now - FirstTicks >= WarmUp.Ticks;

        public bool HasPresent(long now) => HasUsual(now) && now - Last.Ticks <= Recent.Ticks;

        public void Learn(long ticks, double value)
        {
            if (double.IsNaN(Usual))
            {
                (FirstTicks, Usual) = (ticks, value);
            }
            else if (ticks > Last.Ticks)
            {
                // While warming up the time constant is the time watched so far: a running mean.
                var constant = Math.Min(UsualTimeConstant.Ticks, Math.Max(ticks - FirstTicks, 1));
                Usual += (1 - Math.Exp(-(ticks - Last.Ticks) / (double)constant)) * (value - Usual);
            }
            Last = (ticks, value);
        }
    }
}
