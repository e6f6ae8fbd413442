using System.ComponentModel.DataAnnotations;
using System.Globalization;
using VitalTwin.Clinical;
using VitalTwin.Clinical.Settings;

namespace VitalTwin.AnomalyDetection.Core;

/// <summary>How the deterioration watch judges a patient against their own usual. Bound from <c>Detection:Deterioration</c>.</summary>
public sealed class DeteriorationOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Each vital's current level is the median of its readings in this window, so noise and lone artifacts do not count.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "01:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How slowly the patient's usual level follows them while they are near it. Hours, so that a deterioration
    /// that takes hours is not learnt as the new normal; it stops following altogether while they drift.
    /// </summary>
    [Range(typeof(TimeSpan), "00:10:00", "1.00:00:00")]
    public TimeSpan UsualTimeConstant { get; set; } = TimeSpan.FromHours(4);

    /// <summary>How long a vital is watched before its usual level is trusted.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan WarmUp { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// The CUSUM's decision interval, in minutes of one unit of excess: a drift scoring 2 (twice the clinical step on
    /// both vitals of a pattern) is announced after this many minutes, one scoring 1.5 after twice as many.
    /// </summary>
    [Range(0.5, 600)]
    public double Threshold { get; set; } = 6;
}

/// <summary>A patient drifting from their own usual on vitals that move together in deterioration.</summary>
/// <param name="Since">When the drift began to accumulate (the CUSUM last stood at zero).</param>
/// <param name="Deviations">Each vital of the pattern: its current level and the patient's usual.</param>
public sealed record DeteriorationFinding(
    DateTimeOffset At,
    DateTimeOffset Since,
    string Pattern,
    double Score,
    IReadOnlyList<(VitalSign Sign, double Level, double Usual)> Deviations)
{
    /// <summary>The vitals of the pattern whose drift was weighed by a personal sensitivity other than the standard one.</summary>
    public IReadOnlyList<(VitalSign Sign, DetectorSensitivity Sensitivity)> Personalised { get; init; } = [];
}

/// <summary>
/// Watches all vitals of one patient for a slow deterioration, against the patient's own usual levels rather than
/// population limits. Each vital's current level (the median of its recent readings) is compared with its usual
/// level in units of a clinically meaningful step (10 /min of pulse, 3 /min of breathing, 12 mmHg systolic, 2 % SpO2,
/// 0.6 °C). A deterioration moves vitals together in known ways, while a lone vital moving is more often the patient
/// moving or the sensor: so the score is that of the strongest pattern — circulatory (pulse up with systolic down),
/// respiratory (breathing up with SpO2 down), inflammatory (temperature up with pulse or breathing up), each scored by
/// the smaller of its two deviations, or one vital alone at half weight. A one-sided CUSUM over time accumulates the
/// score's excess over one step and announces the drift once it passes <see cref="DeteriorationOptions.Threshold"/>;
/// it re-arms when the CUSUM has fallen back to zero.
/// </summary>
public sealed class DeteriorationWatch(DeteriorationOptions options)
{
    private const int Capacity = 64;

    // The deviation that counts as one step, and the direction(s) in which a vital worsens.
    private static readonly (VitalSign Sign, double Step, bool Up, bool Down)[] Vitals =
    [
        (VitalSign.HeartRate, 8, true, true),
        (VitalSign.RespiratoryRate, 2.5, true, true),
        (VitalSign.SystolicBloodPressure, 10, false, true),
        (VitalSign.OxygenSaturation, 2, false, true),
        (VitalSign.BodyTemperature, 0.4, true, true),
    ];

    private readonly Track[] _tracks = Vitals.Select(v => new Track()).ToArray();
    private readonly DetectorSensitivity[] _sensitivities = new DetectorSensitivity[Vitals.Length];
    private long _lastTicks;
    private long _sinceTicks;
    private double _cusum;
    private bool _announced;

    /// <summary>
    /// Weighs the vital's drift by the patient's sensitivity: a deviation counts 0.8 times (LOW) or 1.25 times (HIGH) as
    /// much, about what a tail probability ten times smaller or larger moves a Gaussian detector's threshold (z 3.3 to 3.9
    /// or 2.6). Not checkpointed: the monitor applies the settings again after a restore.
    /// </summary>
    public void Personalise(VitalSign sign, DetectorSensitivity sensitivity)
    {
        var index = Array.FindIndex(Vitals, v => v.Sign == sign);
        if (index >= 0)
        {
            _sensitivities[index] = sensitivity;
        }
    }

    private static double Weight(DetectorSensitivity sensitivity) => sensitivity switch
    {
        DetectorSensitivity.Low => 0.8,
        DetectorSensitivity.High => 1.25,
        _ => 1,
    };

    /// <summary>Takes one clean reading; returns a finding when the drift is announced by it.</summary>
    public DeteriorationFinding? Observe(VitalSign sign, double value, DateTimeOffset observedAt)
    {
        var index = Array.FindIndex(Vitals, v => v.Sign == sign);
        var ticks = observedAt.UtcTicks;
        if (!options.Enabled || index < 0 || ticks < _lastTicks)
        {
            return null;
        }

        var track = _tracks[index];
        track.Add(ticks, value, options.Window.Ticks);
        var (score, pattern, first, second) = Score(ticks);
        if (score < 0.25)
        {
            // Only while the patient is near their usual does the usual follow them.
            track.Learn(ticks, options.UsualTimeConstant.Ticks);
        }
        else if (!track.HasUsual)
        {
            track.Learn(ticks, options.UsualTimeConstant.Ticks);
        }

        var minutes = _lastTicks == 0 ? 0 : Math.Min(TimeSpan.FromTicks(ticks - _lastTicks).TotalMinutes, options.Window.TotalMinutes);
        _lastTicks = ticks;
        if (_cusum <= 0)
        {
            _sinceTicks = ticks;
        }
        _cusum = Math.Max(0, _cusum + ((score - 1) * minutes));
        if (_cusum <= 0)
        {
            _announced = false;
            return null;
        }
        if (_announced || _cusum < options.Threshold)
        {
            return null;
        }

        _announced = true;
        var involved = second < 0 ? [first] : new[] { first, second };
        return new DeteriorationFinding(observedAt, new DateTimeOffset(_sinceTicks, TimeSpan.Zero), pattern, score,
            [.. involved.Select(i => (Vitals[i].Sign, _tracks[i].Level, _tracks[i].Usual))])
        {
            Personalised = [.. involved.Where(i => _sensitivities[i] != DetectorSensitivity.Standard).Select(i => (Vitals[i].Sign, _sensitivities[i]))],
        };
    }

    /// <summary>"Heart rate +18 /min and respiratory rate +5 /min above this patient's usual over 25 min".</summary>
    public static string Explain(DeteriorationFinding finding, VitalCatalogue catalogue)
    {
        ArgumentNullException.ThrowIfNull(finding);
        ArgumentNullException.ThrowIfNull(catalogue);
        var parts = finding.Deviations.Select(d =>
        {
            var definition = catalogue[d.Sign];
            var delta = d.Level - d.Usual;
            var format = d.Sign == VitalSign.BodyTemperature ? "+0.0;-0.0" : "+0;-0";
            return string.Create(CultureInfo.InvariantCulture, $"{definition.Name} {delta.ToString(format, CultureInfo.InvariantCulture)} {definition.CanonicalUnit} ({d.Level:0.#} against a usual {d.Usual:0.#})");
        });
        var text = string.Join(" and ", parts);
        var minutes = Math.Max(1, (int)Math.Round((finding.At - finding.Since).TotalMinutes));
        var personal = string.Concat(finding.Personalised.Select(p => $"; {catalogue[p.Sign].Name} weighed at this patient's {p.Sensitivity.ToString().ToLowerInvariant()} sensitivity"));
        return string.Create(CultureInfo.InvariantCulture, $"{char.ToUpperInvariant(text[0])}{text[1..]} from this patient's usual over {minutes} min ({finding.Pattern} pattern{personal})");
    }

    // The strongest pattern and its one or two vitals (second -1 for a lone vital); called on every reading, so it allocates nothing.
    private (double Score, string Pattern, int First, int Second) Score(long now)
    {
        Span<double> up = stackalloc double[Vitals.Length];
        Span<double> down = stackalloc double[Vitals.Length];
        for (var i = 0; i < Vitals.Length; i++)
        {
            var track = _tracks[i];
            if (!track.Current(now, options.Window.Ticks, options.WarmUp.Ticks, out var level))
            {
                continue;
            }
            var steps = (level - track.Usual) / Vitals[i].Step * Weight(_sensitivities[i]);
            up[i] = Vitals[i].Up ? Math.Max(0, steps) : 0;
            down[i] = Vitals[i].Down ? Math.Max(0, -steps) : 0;
        }

        const int pulse = 0, breathing = 1, systolic = 2, saturation = 3, temperature = 4;
        (double, string, int, int) best = (0, "none", -1, -1);
        void Consider(double score, string pattern, int first, int second = -1)
        {
            if (score > best.Item1)
            {
                best = (score, pattern, first, second);
            }
        }

        Consider(Math.Min(up[pulse], down[systolic]), "circulatory", pulse, systolic);
        Consider(Math.Min(up[breathing], down[saturation]), "respiratory", breathing, saturation);
        Consider(Math.Min(up[temperature], up[pulse]), "inflammatory", temperature, pulse);
        Consider(Math.Min(up[temperature], up[breathing]), "inflammatory", temperature, breathing);
        for (var i = 0; i < Vitals.Length; i++)
        {
            Consider(Math.Max(up[i], down[i]) / 2, "single-vital", i);
        }
        return best;
    }

    public void WriteState(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(_lastTicks);
        writer.Write(_sinceTicks);
        writer.Write(_cusum);
        writer.Write(_announced);
        foreach (var track in _tracks)
        {
            track.Write(writer);
        }
    }

    public static DeteriorationWatch ReadState(BinaryReader reader, DeteriorationOptions options)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var watch = new DeteriorationWatch(options)
        {
            _lastTicks = reader.ReadInt64(),
            _sinceTicks = reader.ReadInt64(),
            _cusum = reader.ReadDouble(),
            _announced = reader.ReadBoolean(),
        };
        if (!double.IsFinite(watch._cusum) || watch._cusum < 0)
        {
            throw new InvalidDataException("Deterioration watch checkpoint is corrupt.");
        }
        for (var i = 0; i < watch._tracks.Length; i++)
        {
            watch._tracks[i] = Track.Read(reader);
        }
        return watch;
    }

    /// <summary>One vital: its recent readings (newest last, at most <see cref="Capacity"/>), and its usual level.</summary>
    private sealed class Track
    {
        private readonly long[] _ticks = new long[Capacity];
        private readonly double[] _values = new double[Capacity];
        private int _count;
        private long _firstTicks;
        private long _learntTicks;

        public double Usual { get; private set; } = double.NaN;

        public double Level { get; private set; } = double.NaN;

        public bool HasUsual => !double.IsNaN(Usual);

        public void Add(long ticks, double value, long windowTicks)
        {
            var drop = 0;
            while (drop < _count && (_ticks[drop] <= ticks - windowTicks || _count - drop == Capacity))
            {
                drop++;
            }
            if (drop > 0)
            {
                Array.Copy(_ticks, drop, _ticks, 0, _count - drop);
                Array.Copy(_values, drop, _values, 0, _count - drop);
                _count -= drop;
            }
            _ticks[_count] = ticks;
            _values[_count++] = value;
            if (_firstTicks == 0)
            {
                _firstTicks = ticks;
            }
            Span<double> sorted = stackalloc double[_count];
            _values.AsSpan(0, _count).CopyTo(sorted);
            sorted.Sort();
            Level = _count % 2 == 1 ? sorted[_count / 2] : (sorted[(_count / 2) - 1] + sorted[_count / 2]) / 2;
        }

        /// <summary>The usual level moves towards the current one by how long it has been since it last did, over the time constant.</summary>
        public void Learn(long now, long timeConstantTicks)
        {
            if (double.IsNaN(Usual))
            {
                Usual = Level;
                _learntTicks = now;
                return;
            }
            // While warming up the effective time constant is the time watched so far: a plain running mean.
            var constant = Math.Min(timeConstantTicks, Math.Max(now - _firstTicks, 1));
            var weight = 1 - Math.Exp(-(now - _learntTicks) / (double)constant);
            Usual += weight * (Level - Usual);
            _learntTicks = now;
        }

        /// <summary>The current level, when the vital has been watched long enough and read recently enough to judge.</summary>
        public bool Current(long now, long windowTicks, long warmUpTicks, out double level)
        {
            level = Level;
            // An intermittent vital (a cuff every 15 min) counts for three windows after its last reading.
            return _count > 0 && HasUsual && now - _firstTicks >= warmUpTicks && now - _ticks[_count - 1] <= 3 * Math.Max(windowTicks, TimeSpan.TicksPerMinute * 20 / 3);
        }

        public void Write(BinaryWriter writer)
        {
            writer.Write(_count);
            for (var i = 0; i < _count; i++)
            {
                writer.Write(_ticks[i]);
                writer.Write(_values[i]);
            }
            writer.Write(_firstTicks);
            writer.Write(_learntTicks);
            writer.Write(Usual);
            writer.Write(Level);
        }

        public static Track Read(BinaryReader reader)
        {
            var track = new Track();
            var count = reader.ReadInt32();
            if (count < 0 || count > Capacity)
            {
                throw new InvalidDataException("Deterioration watch checkpoint is corrupt.");
            }
            track._count = count;
            for (var i = 0; i < count; i++)
            {
                track._ticks[i] = reader.ReadInt64();
                track._values[i] = reader.ReadDouble();
            }
            track._firstTicks = reader.ReadInt64();
            track._learntTicks = reader.ReadInt64();
            track.Usual = reader.ReadDouble();
            track.Level = reader.ReadDouble();
            return track;
        }
    }
}
