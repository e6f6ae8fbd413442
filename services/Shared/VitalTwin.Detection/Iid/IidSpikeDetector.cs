namespace VitalTwin.Detection;

/// <summary>
/// Flags values that are improbable under a kernel density of the last W values: ML.NET's DetectIidSpike,
/// output for output. Suits series whose values are independent and identically distributed. Not thread-safe.
/// </summary>
public sealed class IidSpikeDetector : ITunableDetector
{
    private readonly KernelPValueScorer _scorer;

    /// <param name="confidence">Confidence in percent, in (0, 100); a p-value at or below 1 − confidence/100 alerts.</param>
    /// <param name="pvalueHistoryLength">W, the number of past values each value is compared with; at least 1.</param>
    /// <param name="side">Which tail counts as a spike.</param>
    public IidSpikeDetector(double confidence, int pvalueHistoryLength, AnomalySide side = AnomalySide.TwoSided)
    {
        DetectorArguments.ThrowIfNotConfidence(confidence, nameof(confidence));
        ArgumentOutOfRangeException.ThrowIfLessThan(pvalueHistoryLength, 1);
        DetectorArguments.ThrowIfNotDefined(side, nameof(side));

        Confidence = confidence;
        Side = side;
        _scorer = KernelPValueScorer.ForSpikes(pvalueHistoryLength, side, confidence);
    }

    private IidSpikeDetector(double confidence, AnomalySide side, KernelPValueScorer scorer)
    {
        Confidence = confidence;
        Side = side;
        _scorer = scorer;
    }

    public DetectorKind Kind => DetectorKind.IidSpike;

    public void WriteState(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(Confidence);
        _scorer.WriteState(writer);
    }

    internal static IidSpikeDetector ReadState(BinaryReader reader)
    {
        double confidence = reader.ReadDouble();
        var scorer = KernelPValueScorer.ReadState(reader);
        return new IidSpikeDetector(confidence, scorer.Side, scorer);
    }

    public double Confidence { get; private set; }

    /// <inheritdoc/>
    public void Retune(double confidence)
    {
        DetectorArguments.ThrowIfNotConfidence(confidence, nameof(confidence));
        Confidence = confidence;
        _scorer.Retune(confidence);
    }

    public int WindowSize => _scorer.WindowSize;

    public AnomalySide Side { get; }

    /// <summary>The p-value at or below which a value alerts: 1 − confidence/100.</summary>
    public double AlertThreshold => _scorer.AlertThreshold;

    /// <summary>Mean of the window the latest value was scored against; NaN when it was empty or the value was not scored.</summary>
    public double BaselineMean => _scorer.BaselineMean;

    /// <summary>Scores a value, then adds it to the window. NaN and infinite values are reported but change nothing.</summary>
    public SpikeResult Update(float value)
    {
        var score = _scorer.Score(value);
        return new SpikeResult(score.Alert, value, score.PValue);
    }
}
