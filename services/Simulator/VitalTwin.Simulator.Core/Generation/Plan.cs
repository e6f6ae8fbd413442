using VitalTwin.Clinical;
using VitalTwin.Simulator.Core.Scenarios;

namespace VitalTwin.Simulator.Core.Generation;

// What the planner decided for each patient, in ticks since the scenario start; the reading stream plays it out.

internal readonly record struct PlannedEvent(ClinicalEventKind Kind, long Onset, long Peak, long RecoveryStart, long End, double Severity)
{
    public const long Never = long.MaxValue;

    /// <summary>0-1: how much of the event's effect is present (smooth ramp in, plateau, smooth ramp out).</summary>
    public double ProgressAt(long ticks)
    {
        if (ticks <= Onset || ticks >= End)
        {
            return 0;
        }
        if (ticks < Peak)
        {
            return SmoothStep((double)(ticks - Onset) / (Peak - Onset));
        }
        return ticks < RecoveryStart ? 1 : 1 - SmoothStep((double)(ticks - RecoveryStart) / (End - RecoveryStart));
    }

    private static double SmoothStep(double x) => x * x * (3 - (2 * x));
}

/// <param name="Vital">Spikes: the vital whose reading jumps.</param>
/// <param name="Size">Spikes: the jump, in the vital's unit; bad probes: how far SpO₂ falls, in points; noise bursts: a factor on the burst's spread.</param>
internal readonly record struct PlannedArtifact(ArtifactKind Kind, long Start, long End, bool Flagged, ProbeOffMode Mode, VitalSign Vital = default, double Size = 0);

/// <summary>From <see cref="From"/> on, the patient is measured by <see cref="Device"/> (an index), or by none when it is -1.</summary>
internal readonly record struct DeviceSegment(long From, int Device);

internal sealed class PatientPlan(int index, SimulatedPatient patient)
{
    public int Index { get; } = index;

    public SimulatedPatient Patient { get; } = patient;

    public List<PlannedEvent> Events { get; } = [];

    /// <summary>Sorted by start, never overlapping.</summary>
    public List<PlannedArtifact> Artifacts { get; } = [];

    public List<DeviceSegment> Devices { get; } = [new(0, index)];

    /// <summary>Windows already taken by an artifact or a device move, so that no two overlap on one patient.</summary>
    public List<(long Start, long End)> Busy { get; } = [];

    public bool InvolvedInMove { get; set; }

    public bool IsFree(long start, long end) => Busy.TrueForAll(b => b.End <= start || b.Start >= end);

    public int DeviceAt(long ticks)
    {
        var device = Devices[0].Device;
        foreach (var segment in Devices)
        {
            if (segment.From > ticks)
            {
                break;
            }
            device = segment.Device;
        }
        return device;
    }
}
