using System.ComponentModel.DataAnnotations;

namespace VitalTwin.AnomalyDetection.Core;

public sealed class SpikeDetectionOptions
{
    public const string SectionName = "Detection:Spike";

    /// <summary>
    /// Percent. Higher than ML.NET's default of 99: at 1 Hz per vital, 99 would flag a Gaussian-noise
    /// reading every few minutes per patient, far too many for a ward.
    /// </summary>
    [Range(50.0, 99.9999)]
    public double Confidence { get; set; } = 99.9;

    /// <summary>How many recent readings of one vital form the patient's reference distribution.</summary>
    [Range(2, 10_000)]
    public int PValueHistoryLength { get; set; } = 120;
}
