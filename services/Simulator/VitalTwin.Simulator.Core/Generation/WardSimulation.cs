using VitalTwin.Clinical;
using VitalTwin.Simulator.Core.Labels;
using VitalTwin.Simulator.Core.Physiology;
using VitalTwin.Simulator.Core.Randomness;
using VitalTwin.Simulator.Core.Scenarios;

namespace VitalTwin.Simulator.Core.Generation;

/// <summary>
/// A scenario planned out: the cohort, every clinical event and artifact episode with its times (the labels), and
/// which device measures whom when. <see cref="Readings"/> then plays it out as time-ordered readings. Pure: no
/// clock, no I/O; the same scenario (and seed) gives the same plan and the same readings every time.
/// </summary>
public sealed class WardSimulation
{
    private static readonly VitalSign[] AllVitals = Enum.GetValues<VitalSign>();
    private static readonly VitalSign[] ContinuousVitals = [VitalSign.HeartRate, VitalSign.OxygenSaturation, VitalSign.RespiratoryRate];
    private static readonly TimeSpan ShortestReattachment = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan LongestReattachment = TimeSpan.FromSeconds(120);

    private readonly List<string> _deviceIds = [];
    private readonly List<ArtifactLabel> _moves = [];

    /// <exception cref="ScenarioValidationException">The scenario is not valid.</exception>
    public WardSimulation(Scenario scenario, VitalCatalogue? catalogue = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ScenarioValidator.ThrowIfInvalid(scenario, $"'{scenario.Name}'");
        Scenario = scenario;
        Catalogue = catalogue ?? VitalCatalogue.Default;
        DurationTicks = scenario.Duration.Ticks;

        var prefix = scenario.Cohort.IdPrefix ?? scenario.Name;
        var plans = new PatientPlan[scenario.Cohort.Size];
        for (var i = 0; i < plans.Length; i++)
        {
            var random = SimulationRandom.For(scenario.Seed, RandomPurpose.Patient, i);
            var condition = ConditionProfiles.DrawCondition(scenario.Cohort.Conditions, random);
            var age = ConditionProfiles.DrawAge(scenario.Cohort.Age, random);
            var baseline = ConditionProfiles.DrawBaseline(condition, age, random);
            var circadian = ConditionProfiles.DrawCircadian(age, random);
            _deviceIds.Add($"{prefix}-d{i + 1:D4}");
            plans[i] = new PatientPlan(i, new SimulatedPatient($"{prefix}-p{i + 1:D4}", age, condition, baseline, circadian, _deviceIds[i]));
        }
        Plans = plans;

        var cohortRandom = SimulationRandom.For(scenario.Seed, RandomPurpose.Cohort, 0);
        foreach (var spec in scenario.Events)
        {
            PlanEvents(spec, cohortRandom);
        }
        foreach (var spec in scenario.Artifacts)
        {
            PlanArtifacts(spec, cohortRandom);
        }
        foreach (var plan in plans)
        {
            plan.Artifacts.Sort(static (a, b) => a.Start.CompareTo(b.Start));
        }

        DeviceIds = _deviceIds;
        DeviceBias = DrawDeviceBias();
        Patients = [.. plans.Select(p => p.Patient)];
        Events = [.. EventLabels().OrderBy(e => e.Onset).ThenBy(e => e.PatientId, StringComparer.Ordinal)];
        Artifacts = [.. ArtifactLabels().Concat(_moves).OrderBy(a => a.Start).ThenBy(a => a.PatientId, StringComparer.Ordinal)];
        DeviceBindings = [.. Bindings().OrderBy(b => b.From).ThenBy(b => b.DeviceId, StringComparer.Ordinal)];
    }

    public Scenario Scenario { get; }

    public VitalCatalogue Catalogue { get; }

    public IReadOnlyList<SimulatedPatient> Patients { get; }

    /// <summary>The clinical events, by onset: what alerts should find.</summary>
    public IReadOnlyList<ClinicalEventLabel> Events { get; }

    /// <summary>The artifact episodes, by start: what must not alarm.</summary>
    public IReadOnlyList<ArtifactLabel> Artifacts { get; }

    /// <summary>
    /// Which device measures which patient from when, by start: one per patient at the scenario start, then the
    /// re-registrations of moved devices and the replacement monitors. A sender registers each at its time.
    /// </summary>
    public IReadOnlyList<DeviceBinding> DeviceBindings { get; }

    /// <summary>The readings, in observed-time order; each enumeration starts afresh and yields the same sequence.</summary>
    public ReadingStream Readings() => new(this);

    internal IReadOnlyList<PatientPlan> Plans { get; }

    internal IReadOnlyList<string> DeviceIds { get; }

    /// <summary>Per device and vital (device × vital count + vital): the device's fixed offset.</summary>
    internal double[] DeviceBias { get; }

    internal long DurationTicks { get; }

    private void PlanEvents(EventSpec spec, SimulationRandom random)
    {
        var defaults = EventDefaults.For(spec.Kind);
        var count = spec.Patients ?? (int)Math.Round(spec.Share!.Value * Plans.Count);
        var ramp = spec.Ramp ?? defaults.Ramp;
        var persistent = spec.Persistent ?? (spec.Duration is null && defaults.Duration is null);
        var lasting = spec.Duration ?? defaults.Duration;
        var severity = spec.Severity ?? defaults.Severity;
        foreach (var patient in Choose(count, random))
        {
            var onset = random.NextBetween(spec.Onset.Min, spec.Onset.Max).Ticks;
            var rampTicks = Math.Max(1, random.NextBetween(ramp.Min, ramp.Max).Ticks);
            var strength = random.NextBetween(severity.Min, severity.Max);
            PlannedEvent planned;
            if (persistent || lasting is null)
            {
                planned = new PlannedEvent(spec.Kind, onset, onset + rampTicks, PlannedEvent.Never, PlannedEvent.Never, strength);
            }
            else
            {
                var length = Math.Max(random.NextBetween(lasting.Min, lasting.Max).Ticks, 2 * rampTicks);
                planned = new PlannedEvent(spec.Kind, onset, onset + rampTicks, onset + length - rampTicks, onset + length, strength);
            }
            Plans[patient].Events.Add(planned);
        }
    }

    // A partial Fisher-Yates shuffle: the first count indices of a random permutation, distinct.
    private int[] Choose(int count, SimulationRandom random)
    {
        var order = Enumerable.Range(0, Plans.Count).ToArray();
        for (var i = 0; i < count; i++)
        {
            var j = i + random.NextInt(order.Length - i);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order[..count];
    }

    private void PlanArtifacts(ArtifactSpec spec, SimulationRandom random)
    {
        var defaults = ArtifactDefaults.For(spec.Kind);
        var lasting = spec.Duration ?? FitToScenario(defaults.Duration);
        var flagged = spec.Flagged ?? defaults.Flagged;
        var mode = spec.Mode ?? ProbeOffSelection.Mixed;
        if (spec.PerPatientDay is { } rate)
        {
            var meanGap = TimeSpan.FromDays(1 / rate);
            foreach (var plan in Plans)
            {
                var at = random.NextExponential(meanGap).Ticks;
                while (at < DurationTicks)
                {
                    var episode = DrawEpisode(spec.Kind, lasting, random);
                    TryAdd(spec.Kind, plan, at, episode, flagged, mode, random);
                    at += episode.Length + random.NextExponential(meanGap).Ticks;
                }
            }
            return;
        }
        for (var episode = 0; episode < spec.Count; episode++)
        {
            // Busy patients are skipped; after a few misses the episode is dropped rather than forced to overlap.
            for (var attempt = 0; attempt < 20; attempt++)
            {
                var plan = Plans[random.NextInt(Plans.Count)];
                var drawn = DrawEpisode(spec.Kind, lasting, random);
                var at = (long)(random.NextDouble() * (DurationTicks - drawn.Length));
                if (TryAdd(spec.Kind, plan, at, drawn, flagged, mode, random))
                {
                    break;
                }
            }
        }
    }

    private TimeRange FitToScenario(TimeRange range)
    {
        var longest = TimeSpan.FromTicks(DurationTicks / 2);
        return range.Max <= longest ? range : new TimeRange(range.Min < longest ? range.Min : longest, longest);
    }

    // The kinds of old draw only the length, so that their scenarios keep generating what they always did.
    private (long Length, VitalSign Vital, double Size) DrawEpisode(ArtifactKind kind, TimeRange lasting, SimulationRandom random)
    {
        switch (kind)
        {
            case ArtifactKind.Spike:
                var vital = ContinuousVitals[random.NextInt(ContinuousVitals.Length)];
                // The longest gap between two readings of the vital: the window always holds one.
                var window = (long)(Scenario.Sampling.Intervals[vital].Ticks * (1 + Scenario.Sampling.Jitter)) + 1;
                return (window, vital, SpikeJump(vital, random));
            case ArtifactKind.BadProbe:
                return (random.NextBetween(lasting.Min, lasting.Max).Ticks, VitalSign.OxygenSaturation, random.NextBetween(6, 14));
            case ArtifactKind.NoiseBurst:
                return (random.NextBetween(lasting.Min, lasting.Max).Ticks, default, random.NextBetween(0.5, 1.5));
            default:
                return (random.NextBetween(lasting.Min, lasting.Max).Ticks, default, 0);
        }
    }

    // Jumps no physiology makes between two readings seconds apart, yet within what the Gateway accepts.
    private static double SpikeJump(VitalSign vital, SimulationRandom random) => vital switch
    {
        VitalSign.HeartRate => random.NextBool(0.6) ? random.NextBetween(50, 90) : -random.NextBetween(35, 55),
        VitalSign.OxygenSaturation => -random.NextBetween(15, 35),
        _ => random.NextBool(0.7) ? random.NextBetween(15, 30) : -random.NextBetween(8, 12),
    };

    private bool TryAdd(ArtifactKind kind, PatientPlan plan, long start, (long Length, VitalSign Vital, double Size) episode, double flaggedProbability, ProbeOffSelection selection, SimulationRandom random)
    {
        var length = episode.Length;
        var flagged = ArtifactDefaults.CanBeFlagged(kind) && random.NextBool(flaggedProbability);
        var mode = selection switch
        {
            ProbeOffSelection.Zero => ProbeOffMode.Zero,
            ProbeOffSelection.Flat => ProbeOffMode.Flat,
            _ => random.NextBool(0.5) ? ProbeOffMode.Zero : ProbeOffMode.Flat,
        };
        var end = Math.Min(start + length, DurationTicks);
        if (end <= start || !plan.IsFree(start, end))
        {
            return false;
        }
        if (kind == ArtifactKind.DeviceMoved)
        {
            return TryMoveDevice(plan, start, end, random);
        }
        plan.Busy.Add((start, end));
        plan.Artifacts.Add(new PlannedArtifact(kind, start, end, flagged, mode, episode.Vital, episode.Size));
        return true;
    }

    // The donor's monitor goes to the receiver, whose own monitor is taken away: the receiver is unmonitored while it
    // is attached, the donor until a replacement monitor arrives at the end of the episode.
    private bool TryMoveDevice(PatientPlan donor, long start, long end, SimulationRandom random)
    {
        if (donor.InvolvedInMove)
        {
            return false;
        }
        var attached = start + random.NextBetween(ShortestReattachment, LongestReattachment).Ticks;
        PatientPlan? receiver = null;
        for (var attempt = 0; attempt < 20 && receiver is null; attempt++)
        {
            var candidate = Plans[random.NextInt(Plans.Count)];
            if (candidate != donor && !candidate.InvolvedInMove && candidate.IsFree(start, attached))
            {
                receiver = candidate;
            }
        }
        if (receiver is null || attached >= DurationTicks)
        {
            return false;
        }

        var movedDevice = donor.DeviceAt(start);
        donor.InvolvedInMove = receiver.InvolvedInMove = true;
        donor.Busy.Add((start, end));
        receiver.Busy.Add((start, attached));
        donor.Devices.Add(new DeviceSegment(start, -1));
        string? replacement = null;
        if (end < DurationTicks)
        {
            _deviceIds.Add($"{Scenario.Cohort.IdPrefix ?? Scenario.Name}-d{_deviceIds.Count + 1:D4}");
            replacement = _deviceIds[^1];
            donor.Devices.Add(new DeviceSegment(end, _deviceIds.Count - 1));
        }
        receiver.Devices.Add(new DeviceSegment(start, -1));
        receiver.Devices.Add(new DeviceSegment(attached, movedDevice));
        _moves.Add(new ArtifactLabel(ArtifactKind.DeviceMoved, donor.Patient.Id, _deviceIds[movedDevice], At(start), At(end), false, AllVitals)
        {
            OtherPatientId = receiver.Patient.Id,
            OtherPatientFrom = At(attached),
            ReplacementDeviceId = replacement,
        });
        return true;
    }

    private double[] DrawDeviceBias()
    {
        var bias = new double[_deviceIds.Count * AllVitals.Length];
        for (var device = 0; device < _deviceIds.Count; device++)
        {
            var random = SimulationRandom.For(Scenario.Seed, RandomPurpose.Device, device);
            foreach (var sign in AllVitals)
            {
                bias[(device * AllVitals.Length) + (int)sign] = SensorModel.For(sign).DeviceBias * random.NextGaussian();
            }
        }
        return bias;
    }

    private IEnumerable<ClinicalEventLabel> EventLabels() =>
        from plan in Plans
        from e in plan.Events
        select new ClinicalEventLabel(e.Kind, plan.Patient.Id, At(e.Onset), At(e.Peak), e.End == PlannedEvent.Never ? null : At(e.End), e.Severity);

    private IEnumerable<ArtifactLabel> ArtifactLabels()
    {
        foreach (var plan in Plans)
        {
            foreach (var artifact in plan.Artifacts)
            {
                VitalSign[] affected = artifact.Kind switch
                {
                    ArtifactKind.Motion or ArtifactKind.NoiseBurst => ContinuousVitals,
                    ArtifactKind.ProbeOff or ArtifactKind.BadProbe => [VitalSign.OxygenSaturation],
                    ArtifactKind.Spike => [artifact.Vital],
                    _ => AllVitals,
                };
                var device = plan.DeviceAt(artifact.Start);
                yield return new ArtifactLabel(artifact.Kind, plan.Patient.Id, device < 0 ? string.Empty : _deviceIds[device], At(artifact.Start), At(artifact.End), artifact.Flagged, affected)
                {
                    ProbeOffMode = artifact.Kind == ArtifactKind.ProbeOff ? artifact.Mode : null,
                };
            }
        }
    }

    private IEnumerable<DeviceBinding> Bindings()
    {
        foreach (var plan in Plans)
        {
            for (var i = 0; i < plan.Devices.Count; i++)
            {
                var segment = plan.Devices[i];
                if (segment.Device >= 0)
                {
                    DateTimeOffset? until = i + 1 < plan.Devices.Count ? At(plan.Devices[i + 1].From) : null;
                    yield return new DeviceBinding(_deviceIds[segment.Device], plan.Patient.Id, At(segment.From), until);
                }
            }
        }
    }

    private DateTimeOffset At(long ticks) => Scenario.Start.AddTicks(ticks);
}
