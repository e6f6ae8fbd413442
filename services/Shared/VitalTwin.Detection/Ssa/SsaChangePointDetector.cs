namespace VitalTwin.Detection;

/// <summary>
/// Flags a lasting change in a seasonal series by betting against a run of small p-values of SSA prediction
/// errors: ML.NET's DetectChangePointBySsa. The model is trained on the first <see cref="TrainingWindowSize"/>
/// finite values; later values are scored. Not thread-safe.
/// </summary>
public sealed class SsaChangePointDetector : ITunableDetector
{
    private readonly SsaDetectorCore _core;
    private readonly KernelPValueScorer _scorer;

    /// <param name="confidence">Confidence in percent, in (0, 100); sets the martingale threshold.</param>
    /// <param name="changeHistoryLength">W, the window of past errors and of bets; at least 1.</param>
    /// <param name="trainingWindowSize">Values buffered to train the model; more than 2 × <paramref name="seasonalityWindowSize"/>.</param>
    /// <param name="seasonalityWindowSize">L, the SSA window: an upper bound on the longest seasonality; at least 2.</param>
    /// <param name="errorFunction">How the observed and predicted values are compared.</param>
    /// <param name="martingale"><see cref="MartingaleType.Power"/> or <see cref="MartingaleType.Mixture"/>.</param>
    /// <param name="epsilon">The power martingale's ε, in (0, 1).</param>
    public SsaChangePointDetector(
        double confidence,
        int changeHistoryLength,
        int trainingWindowSize,
        int seasonalityWindowSize,
        ErrorFunction errorFunction = ErrorFunction.SignedDifference,
        MartingaleType martingale = MartingaleType.Power,
        double epsilon = 0.1)
    {
        DetectorArguments.ThrowIfNotConfidence(confidence, nameof(confidence));
        ArgumentOutOfRangeException.ThrowIfLessThan(changeHistoryLength, 1);
        if (martingale is not (MartingaleType.Power or MartingaleType.Mixture))
        {
            throw new ArgumentOutOfRangeException(nameof(martingale), martingale, "Change points need a Power or Mixture martingale.");
        }

        if (!(epsilon > 0 && epsilon < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "Epsilon must lie strictly between 0 and 1.");
        }

        Confidence = confidence;
        _core = new SsaDetectorCore(trainingWindowSize, seasonalityWindowSize, errorFunction);
        _scorer = KernelPValueScorer.ForChangePoints(changeHistoryLength, martingale, epsilon, confidence);
    }

    private SsaChangePointDetector(double confidence, SsaDetectorCore core, KernelPValueScorer scorer)
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
    public static SsaChangePointDetector ForMlNetParity(
        ReadOnlySpan<float> series,
        double confidence,
        int changeHistoryLength,
        int trainingWindowSize,
        int seasonalityWindowSize,
        ErrorFunction errorFunction = ErrorFunction.SignedDifference,
        MartingaleType martingale = MartingaleType.Power,
        double epsilon = 0.1)
    {
        var detector = new SsaChangePointDetector(
            confidence, changeHistoryLength, trainingWindowSize, seasonalityWindowSize, errorFunction, martingale, epsilon);
        detector._core.TrainOn(series, nameof(series));
        return detector;
    }

    public DetectorKind Kind => DetectorKind.SsaChangePoint;

    public void WriteState(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(Confidence);
        _core.WriteState(writer);
        _scorer.WriteState(writer);
    }

    internal static SsaChangePointDetector ReadState(BinaryReader reader)
    {
        double confidence = reader.ReadDouble();
        var core = SsaDetectorCore.ReadState(reader);
        return new SsaChangePointDetector(confidence, core, KernelPValueScorer.ReadState(reader));
    }

    public double Confidence { get; private set; }

    /// <inheritdoc/>
    public void Retune(double confidence)
    {
        DetectorArguments.ThrowIfNotConfidence(confidence, nameof(confidence));
        Confidence = confidence;
        _scorer.Retune(confidence);
    }

    /// <summary>W, the window of past errors and of bets.</summary>
    public int WindowSize => _scorer.WindowSize;

    public int TrainingWindowSize => _core.TrainingWindowSize;

    public int SeasonalityWindowSize => _core.SeasonalityWindowSize;

    public ErrorFunction ErrorFunction => _core.ErrorFunction;

    public MartingaleType Martingale => _scorer.Martingale;

    public double Epsilon => _scorer.Epsilon;

    /// <summary>The martingale value that alerts: the product of W bets on p-values of 1 − confidence/100.</summary>
    public double AlertThreshold => _scorer.AlertThreshold;

    /// <summary>Whether the training window is complete and values are being scored.</summary>
    public bool IsTrained => _core.IsTrained;

    /// <summary>Number of SSA components the model keeps; 0 until trained.</summary>
    public int Rank => _core.Rank;

    /// <summary>The model's prediction of the latest value; NaN while training.</summary>
    public double ExpectedValue => _core.ExpectedValue;

    /// <summary>
    /// Scores a value against the model's prediction, then folds it into the model. While the training window fills,
    /// returns no alert with NaN raw score, p-value and martingale. NaN and infinite values are reported but change nothing.
    /// </summary>
    public ChangePointResult Update(float value)
    {
        if (!_core.TryRawScore(value, out double rawScore))
        {
            return new ChangePointResult(false, double.NaN, double.NaN, double.NaN);
        }

        var score = _scorer.Score(rawScore);
        return new ChangePointResult(score.Alert, rawScore, score.PValue, score.Martingale);
    }
}
