using System.Globalization;
using VitalTwin.Clinical;
using VitalTwin.Clinical.Settings;

namespace VitalTwin.AnomalyDetection.Core;

public enum AnomalyKind { Spike, ChangePoint }

/// <summary>
/// Why a reading was kept from the detectors. <see cref="UncorroboratedDesaturation"/> and a dropout's settling time come
/// from the shared <see cref="Clinical.Screening.ArtifactScreen"/>, which the twin runs as well.
/// </summary>
public enum ArtifactReason { None, DeviceFlagged, Dropout, FlatLine, UncorroboratedDesaturation }

/// <summary>What a detector flagged on one reading, with what it was judged against.</summary>
public sealed record AnomalyFinding(
    VitalSign Sign,
    DetectorType Detector,
    AnomalyKind Kind,
    double Value,
    double PValue,
    double Martingale,
    double WindowMean,
    int WindowSize,
    double Confidence,
    double BaselineLevel,
    double BaselineSpread)
{
    public bool Upward => Value > WindowMean;

    /// <summary>The patient's personal detector sensitivity on the vital when this was flagged.</summary>
    public DetectorSensitivity Sensitivity { get; init; }

    /// <summary>One sentence a nurse can read, e.g. "Heart rate 142 /min, up from 78 over the last 120 readings (usual 76 ± 3; p = 0.0002, IID spike)".</summary>
    public string Explain(VitalDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var name = char.ToUpperInvariant(definition.Name[0]) + definition.Name[1..];
        var usual = double.IsNaN(BaselineLevel) ? "no personal baseline yet" : string.Create(CultureInfo.InvariantCulture, $"usual {BaselineLevel:0.#} ± {BaselineSpread:0.#}");
        var evidence = Kind == AnomalyKind.ChangePoint ? string.Create(CultureInfo.InvariantCulture, $"martingale {Martingale:0.##E+0}")
            : double.IsNaN(PValue) ? "spectral saliency above threshold"
            : PValue < 0.0001 ? "p < 0.0001"
            : string.Create(CultureInfo.InvariantCulture, $"p = {PValue:0.####}");
        var detector = Detector switch
        {
            DetectorType.IidSpike => "IID spike",
            DetectorType.IidChangePoint => "IID change point",
            DetectorType.SsaSpike => "SSA spike",
            DetectorType.SsaChangePoint => "SSA change point",
            DetectorType.SrCnn => "spectral residual",
            _ => Detector.ToString(),
        };
        var personal = Sensitivity == DetectorSensitivity.Standard ? string.Empty : $", {Sensitivity.ToString().ToLowerInvariant()} sensitivity set for this patient";
        return string.Create(CultureInfo.InvariantCulture,
            $"{name} {Value:0.#} {definition.CanonicalUnit}, {(Upward ? "up" : "down")} from {WindowMean:0.#} over the last {WindowSize} readings ({usual}; {evidence}, {detector}{personal})");
    }
}

/// <summary>
/// The verdict on one reading: an artifact kept from the detectors, or what the detectors found, and a drift of the
/// patient from their usual that this reading made the deterioration watch announce.
/// </summary>
public readonly record struct MonitorOutcome(ArtifactReason Artifact, IReadOnlyList<AnomalyFinding> Findings, bool LearningRestarted)
{
    public bool IsArtifact => Artifact != ArtifactReason.None;

    public DeteriorationFinding? Deterioration { get; init; }
}
