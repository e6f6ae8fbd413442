using System.Collections;
using VitalTwin.Clinical;
using VitalTwin.Simulator.Core.Physiology;
using VitalTwin.Simulator.Core.Randomness;
using VitalTwin.Simulator.Core.Scenarios;

namespace VitalTwin.Simulator.Core.Generation;

/// <summary>
/// The readings of a <see cref="WardSimulation"/> in observed-time order (ties in patient, then vital order). Every
/// patient has its own random sequence, consumed in its own time order, so the stream is the same on every run.
/// </summary>
public sealed class ReadingStream : IEnumerable<SimulatedReading>
{
    private readonly WardSimulation _simulation;

    internal ReadingStream(WardSimulation simulation) => _simulation = simulation;

    public Enumerator GetEnumerator() => new(_simulation);

    IEnumerator<SimulatedReading> IEnumerable<SimulatedReading>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Generates readings one at a time; nothing is buffered beyond one pending sample per patient and vital.</summary>
    public sealed class Enumerator : IEnumerator<SimulatedReading>
    {
        private static readonly int VitalCount = Enum.GetValues<VitalSign>().Length;

        private readonly WardSimulation _simulation;
        private readonly IReadOnlyList<PatientPlan> _plans;
        private readonly PatientSignal[] _signals;
        private readonly long[] _intervals;
        private readonly string[] _units;
        private readonly SensorModel[] _sensors;
        private readonly double _jitter;
        private readonly double _missing;
        private readonly double _noiseScale;
        private readonly int _degreesOfFreedom;
        private readonly long _duration;
        private readonly long _localStartTicks;
        private readonly SampleQueue _queue;
        private SimulatedReading _current;

        internal Enumerator(WardSimulation simulation)
        {
            _simulation = simulation;
            _plans = simulation.Plans;
            var scenario = simulation.Scenario;
            _duration = simulation.DurationTicks;
            _jitter = scenario.Sampling.Jitter;
            _missing = scenario.Sampling.Missing;
            _noiseScale = scenario.Noise.Scale;
            _degreesOfFreedom = scenario.Noise.Distribution == NoiseDistribution.StudentT ? scenario.Noise.DegreesOfFreedom ?? NoiseSpec.DefaultDegreesOfFreedom : 0;
            // DateTimeOffset.Ticks counts the local clock of the start's offset: the circadian rhythm follows it.
            _localStartTicks = scenario.Start.Ticks;
            _intervals = new long[VitalCount];
            _units = new string[VitalCount];
            _sensors = new SensorModel[VitalCount];
            foreach (var sign in Enum.GetValues<VitalSign>())
            {
                _intervals[(int)sign] = scenario.Sampling.Intervals[sign].Ticks;
                _units[(int)sign] = simulation.Catalogue[sign].CanonicalUnit;
                _sensors[(int)sign] = SensorModel.For(sign);
            }

            _signals = new PatientSignal[_plans.Count];
            _queue = new SampleQueue(_plans.Count * VitalCount);
            for (var p = 0; p < _plans.Count; p++)
            {
                var random = SimulationRandom.For(scenario.Seed, RandomPurpose.Signal, p);
                _signals[p] = new PatientSignal(random, LatentState.Stationary(random));
                for (var v = 0; v < VitalCount; v++)
                {
                    // Devices are not in step: each vital's first sample falls somewhere in its first interval.
                    var first = (long)(random.NextDouble() * _intervals[v]);
                    if (first < _duration)
                    {
                        _queue.Push(first, (p * VitalCount) + v);
                    }
                }
            }
        }

        public SimulatedReading Current => _current;

        object IEnumerator.Current => _current;

        public bool MoveNext()
        {
            while (_queue.Count > 0)
            {
                var (ticks, stream) = _queue.Peek();
                var patient = stream / VitalCount;
                var vital = stream - (patient * VitalCount);
                var signal = _signals[patient];
                var next = ticks + (long)(_intervals[vital] * (1 + (_jitter * ((2 * signal.Random.NextDouble()) - 1))));
                if (next < _duration)
                {
                    _queue.ReplaceTop(next, stream);
                }
                else
                {
                    _queue.Pop();
                }

                if (TryMeasure(_plans[patient], signal, (VitalSign)vital, ticks, out var reading))
                {
                    _current = reading;
                    return true;
                }
            }
            return false;
        }

        private bool TryMeasure(PatientPlan plan, PatientSignal signal, VitalSign sign, long ticks, out SimulatedReading reading)
        {
            reading = default;
            var device = signal.DeviceAt(plan, ticks);
            var artifact = signal.ArtifactAt(plan, ticks);
            if (device < 0 || artifact?.Kind == ArtifactKind.Disconnection)
            {
                return false;
            }

            var random = signal.Random;
            // A spike's reading is never among the lost ones, so that every labelled spike is in the data.
            if (_missing > 0 && !(artifact is { Kind: ArtifactKind.Spike } spike && spike.Vital == sign) && random.NextBool(_missing))
            {
                return false;
            }
            signal.State.AdvanceTo(ticks, random);
            var effects = default(EventEffects);
            foreach (var planned in plan.Events)
            {
                var progress = planned.ProgressAt(ticks);
                if (progress > 0)
                {
                    effects.Add(planned.Kind, planned.Severity, progress);
                }
            }
            var hourOfDay = (double)((_localStartTicks + ticks) % TimeSpan.TicksPerDay) / TimeSpan.TicksPerHour;
            var patient = plan.Patient;
            var trueValue = VitalModel.TrueValue(sign, patient.Baseline, patient.Circadian, hourOfDay, signal.State, effects);

            var quality = ReadingQuality.None;
            double? shown = null;
            if (artifact is { } episode)
            {
                (trueValue, shown, quality) = ApplyArtifact(episode, signal, sign, trueValue, ticks);
            }
            var sensor = _sensors[(int)sign];
            var bias = _simulation.DeviceBias[(device * VitalCount) + (int)sign];
            var extraNoise = sign == VitalSign.HeartRate ? effects.Irregularity : 0;
            var value = shown ?? sensor.Measure(trueValue, bias, NoiseDraw(random), extraNoise);
            if (artifact is { Kind: ArtifactKind.ProbeOff, Mode: ProbeOffMode.Flat } && sign == VitalSign.OxygenSaturation && shown is null)
            {
                signal.Freeze(artifact.Value, value);
            }

            reading = new SimulatedReading(
                _simulation.Scenario.Start.AddTicks(ticks),
                patient.Id,
                _simulation.DeviceIds[device],
                sign,
                value,
                _units[(int)sign],
                quality);
            return true;
        }

        // Gaussian noise at scale 1 draws exactly what it always did. A Student-t draw is a normal divided by the root
        // of a chi-squared over its degrees of freedom (the sum of that many squared normals).
        private double NoiseDraw(SimulationRandom random)
        {
            var draw = random.NextGaussian();
            if (_degreesOfFreedom > 0)
            {
                var chiSquared = 0.0;
                for (var i = 0; i < _degreesOfFreedom; i++)
                {
                    var normal = random.NextGaussian();
                    chiSquared += normal * normal;
                }
                draw /= Math.Sqrt(chiSquared / _degreesOfFreedom);
            }
            return draw * _noiseScale;
        }

        // Returns the disturbed true value, or the value the device shows regardless of physiology, and the flags.
        private static (double TrueValue, double? Shown, ReadingQuality Quality) ApplyArtifact(PlannedArtifact episode, PatientSignal signal, VitalSign sign, double trueValue, long ticks)
        {
            var random = signal.Random;
            switch (episode.Kind)
            {
                case ArtifactKind.Motion when sign is VitalSign.HeartRate or VitalSign.OxygenSaturation or VitalSign.RespiratoryRate:
                    var disturbed = sign switch
                    {
                        // Movement adds counted beats far more often than it hides them.
                        VitalSign.HeartRate => random.NextBool(0.7)
                            ? trueValue + 20 + (30 * Math.Abs(random.NextGaussian()))
                            : trueValue - 10 - (20 * Math.Abs(random.NextGaussian())),
                        VitalSign.OxygenSaturation => trueValue - 3 - (8 * random.NextDouble()),
                        _ => trueValue + 4 + (10 * random.NextDouble()),
                    };
                    return (disturbed, null, episode.Flagged ? ReadingQuality.MotionArtifact : ReadingQuality.None);
                case ArtifactKind.ProbeOff when sign == VitalSign.OxygenSaturation:
                    var flags = episode.Flagged ? ReadingQuality.ProbeOff : ReadingQuality.None;
                    // A flat episode's first reading is measured as usual (null here); that value is then held.
                    double? shown = episode.Mode == ProbeOffMode.Zero ? 0 : signal.FrozenFor(episode);
                    return (trueValue, shown, flags);
                case ArtifactKind.Spike when sign == episode.Vital && signal.TakeSpike(episode):
                    return (trueValue + episode.Size, null, ReadingQuality.None);
                case ArtifactKind.NoiseBurst when sign is VitalSign.HeartRate or VitalSign.OxygenSaturation or VitalSign.RespiratoryRate:
                    var spread = sign switch
                    {
                        VitalSign.HeartRate => 15,
                        VitalSign.OxygenSaturation => 4,
                        _ => 5,
                    };
                    return (trueValue + (episode.Size * spread * random.NextGaussian()), null, ReadingQuality.None);
                case ArtifactKind.BadProbe when sign == VitalSign.OxygenSaturation:
                    // The reading sinks over a few minutes as the probe slips, and holds there until it is seen to.
                    var sinking = Math.Min(TimeSpan.TicksPerMinute * 3, (episode.End - episode.Start) / 3);
                    var progress = Math.Min(1, (double)(ticks - episode.Start) / sinking);
                    return (trueValue - (episode.Size * progress * progress * (3 - (2 * progress))), null, ReadingQuality.None);
                default:
                    return (trueValue, null, ReadingQuality.None);
            }
        }

        public void Reset() => throw new NotSupportedException("Enumerate the stream again for a fresh sequence.");

        public void Dispose()
        {
        }
    }

    /// <summary>What one patient's stream carries from reading to reading.</summary>
    private sealed class PatientSignal(SimulationRandom random, LatentState state)
    {
        private int _artifactCursor;
        private int _segmentCursor;
        private long _frozenEpisode = -1;
        private double _frozenValue;

        public SimulationRandom Random { get; } = random;

        public LatentState State = state;

        // Each patient's samples come in time order, so both look-ups only move forward.
        public int DeviceAt(PatientPlan plan, long ticks)
        {
            var segments = plan.Devices;
            while (_segmentCursor + 1 < segments.Count && segments[_segmentCursor + 1].From <= ticks)
            {
                _segmentCursor++;
            }
            return segments[_segmentCursor].Device;
        }

        public PlannedArtifact? ArtifactAt(PatientPlan plan, long ticks)
        {
            var artifacts = plan.Artifacts;
            while (_artifactCursor < artifacts.Count && artifacts[_artifactCursor].End <= ticks)
            {
                _artifactCursor++;
            }
            return _artifactCursor < artifacts.Count && artifacts[_artifactCursor].Start <= ticks ? artifacts[_artifactCursor] : null;
        }

        private long _spikedEpisode = -1;

        /// <summary>True once per spike episode: the first reading of its vital in the window is the one that jumps.</summary>
        public bool TakeSpike(PlannedArtifact episode)
        {
            if (_spikedEpisode == episode.Start)
            {
                return false;
            }
            _spikedEpisode = episode.Start;
            return true;
        }

        /// <summary>A flat probe-off shows the first value it measured, unchanged, for the whole episode.</summary>
        public double? FrozenFor(PlannedArtifact episode) => _frozenEpisode == episode.Start ? _frozenValue : null;

        public void Freeze(PlannedArtifact episode, double value)
        {
            _frozenEpisode = episode.Start;
            _frozenValue = value;
        }
    }
}
