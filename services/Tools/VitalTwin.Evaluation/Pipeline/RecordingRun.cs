using VitalTwin.Clinical;
using VitalTwin.Simulator.Core.Generation;
using VitalTwin.Simulator.Core.Replay;

namespace VitalTwin.Evaluation.Pipeline;

/// <summary>
/// A recording (<see cref="VitalsCsv"/>) through the <see cref="WardPipeline"/> on its own time line, as the Simulator's
/// replay with recorded timestamps streams it to the Gateway: one device per patient, bound from the first reading's
/// time, readings numbered in order per device. What a replay through the running system must decide too.
/// </summary>
public static class RecordingRun
{
    public static WardPipeline Execute(IReadOnlyList<RecordedReading> recording, ShippedConfiguration shipped, VitalCatalogue catalogue)
    {
        ArgumentNullException.ThrowIfNull(recording);
        ArgumentNullException.ThrowIfNull(shipped);
        ArgumentNullException.ThrowIfNull(catalogue);
        if (recording.Count == 0)
        {
            throw new ArgumentException("The recording has no readings.", nameof(recording));
        }
        var ordered = recording.OrderBy(r => r.Timestamp).ToList();
        var origin = ordered[0].Timestamp;
        var bindings = ordered.Select(r => r.PatientId).Distinct(StringComparer.Ordinal).Select(p => new DeviceBinding(DeviceOf(p), p, origin, null)).ToList();
        var pipeline = new WardPipeline(bindings, shipped, [new PolicyVariant("VitalTwin", shipped.Detection, shipped.Policy)], catalogue);
        var clocks = new PipelineClocks(pipeline, shipped, origin);
        foreach (var reading in ordered)
        {
            clocks.RunUntil(reading.Timestamp);
            pipeline.Observe(new SimulatedReading(reading.Timestamp, reading.PatientId, DeviceOf(reading.PatientId), reading.Vital.Sign, reading.Value, reading.Unit, ReadingQuality.None));
        }
        return pipeline;
    }

    // The Simulator's replay names each patient's device so (ReplayStreamer.DeviceOf).
    private static string DeviceOf(string patientId) => $"replay-{patientId}";
}
