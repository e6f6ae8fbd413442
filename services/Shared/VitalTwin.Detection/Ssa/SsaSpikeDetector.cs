namespace VitalTwin.Detection;

/// <summary>
/// Flags values that an SSA model of the recent series did not expect: ML.NET's DetectSpikeBySsa. The model is
/// trained on the first <see cref="TrainingWindowSize"/> finite values; each later value is scored by its error
/// against the model's prediction, as a kernel p-value against the last W errors. Not thread-safe.
/// </summary>
public sealed class SsaSpikeDetector : ITunableDetector
{
    private readonly SsaDetectorCore _core;
    private readonly KernelPValueScorer _scorer;

    /// <param name="confidence">Confidence in percent, in (0, 100); a p-value at or below 1 − confidence/100 alerts.</param>
    /// <param name="pvalueHistoryLength">W, the number of past errors each error is compared with; at least 1.</param>
    /// <param name="trainingWindowSize">Values buffered to train the model; more than 2 × <paramref name="seasonalityWindowSize"/>.</param>
    /// <param name="seasonalityWindowSize">L, the SSA window: an upper bound on the longest seasonality; at least 2.</param>
    /// <param name="side">Which tail of the error counts as a spike.</param>
    /// <param name="errorFunction">How the observed and predicted values are compared.</param>
    public SsaSpikeDetector(
        double confidence,
        int pvalueHistoryLength,
        int trainingWindowSize,
        int seasonalityWindowSize,
        AnomalySide side = AnomalySide.TwoSided,
        ErrorFunction errorFunction = ErrorFunction.SignedDifference)
    {
        DetectorArguments.ThrowIfNotConfidence(confidence, nameof(confidence));
        ArgumentOutOfRangeException.ThrowIfLessThan(pvalueHistoryLength, 1);
        DetectorArguments.ThrowIfNotDefined(side, nameof(side));

        Confidence = confidence;
        _core = new SsaDetectorCore(trainingWindowSize, seasonalityWindowSize, errorFunction);
        _scorer = KernelPValueScorer.ForSpikes(pvalueHistoryLength, side, confidence);
    }

    private SsaSpikeDetector(double confidence, SsaDetectorCore core, KernelPValueScorer scorer)
    {
        Confidence = confidence;
        _core = core;
        _scorer = scorer;
    }

    /// <summary>
    /// A detector trained as ML.NET's Fit does, on the first <paramref name="trainingWindowSize"/> finite values of
    /// <paramref name="series"/>, so that updating it with the whole series from its first value reproduces ML.NET's
    /// Transform, which re-scores the training values starting from the end-of-training state.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="series"/> has fewer finite values than the training window.</exception>
    public static SsaSpikeDetector ForMlNetParity(
        ReadOnlySpan<float> series,
        double confidence,
        int pvalueHistoryLength,
        int trainingWindowSize,
        int seasonalityWindowSize,
        AnomalySide side = AnomalySide.TwoSided,
        ErrorFunction errorFunction = ErrorFunction.SignedDifference)
    {
        var detector = new SsaSpikeDetector(confidence, pvalueHistoryLength, trainingWindowSize, seasonalityWindowSize, side, errorFunction);
        detector._core.TrainOn(series, nameof(series));
        return detector;
    }

    public DetectorKind Kind => DetectorKind.SsaSpike;

    public void WriteState(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(Confidence);
        _core.WriteState(writer);
        _scorer.WriteState(writer);
    }

    internal static SsaSpikeDetector ReadState(BinaryReader reader)
    {
        double confidence = reader.ReadDouble();
        var core = SsaDetectorCore.ReadState(reader);
        return new SsaSpikeDetector(confidence, core, KernelPValueScorer.ReadState(reader));
    }

    public double Confidence { get; private set; }

    /// <inheritdoc/>
    public void Retune(double confidence)
    {
        DetectorArguments.ThrowIfNotConfidence(confidence, nameof(confidence));
        Confidence = confidence;
        _scorer.Retune(confidence);
    }

    /// <summary>W, the number of past errors each error is compared with.</summary>
    public int WindowSize => _scorer.WindowSize;

    public int TrainingWindowSize => _core.TrainingWindowSize;

    public int SeasonalityWindowSize => _core.SeasonalityWindowSize;

    public AnomalySide Side => _scorer.Side;

    public ErrorFunction ErrorFunction => _core.ErrorFunction;

    /// <summary>The p-value at or below which a value alerts: 1 − confidence/100.</summary>
    public double AlertThreshold => _scorer.AlertThreshold;

    /// <summary>Whether the training window is complete and values are being scored.</summary>
    public bool IsTrained => _core.IsTrained;

    /// <summary>Number of SSA components the model keeps; 0 until trained.</summary>
    public int Rank => _core.Rank;

    /// <summary>The model's prediction of the latest value; NaN while training.</summary>
    public double ExpectedValue => _core.ExpectedValue;

    /// <summary>
    /// Scores a value against the model's prediction, then folds it into the model. While the training window fills,
    /// returns no alert with NaN raw score and p-value. NaN and infinite values are reported but change nothing.
    /// </summary>
    public SpikeResult Update(float value)
    {
        if (!_core.TryRawScore(value, out double rawScore))
        {
            return new SpikeResult(false, double.NaN, double.NaN);
        }

        var score = _scorer.Score(rawScore);
        return new SpikeResult(score.Alert, rawScore, score.PValue);
    }
}
