namespace VitalTwin.Detection;

/// <summary>
/// Flags a lasting shift in level or spread by betting against a run of small p-values: ML.NET's
/// DetectIidChangePoint, output for output. Suits series whose values are independent between shifts. Not thread-safe.
/// </summary>
public sealed class IidChangePointDetector : ITunableDetector
{
    private readonly KernelPValueScorer _scorer;

    /// <param name="confidence">Confidence in percent, in (0, 100); sets the martingale threshold.</param>
    /// <param name="changeHistoryLength">W, the window of past values and of bets; at least 1.</param>
    /// <param name="martingale"><see cref="MartingaleType.Power"/> or <see cref="MartingaleType.Mixture"/>; ML.NET rejects None here too.</param>
    /// <param name="epsilon">The power martingale's ε, in (0, 1).</param>
    public IidChangePointDetector(
        double confidence,
        int changeHistoryLength,
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
        Martingale = martingale;
        Epsilon = epsilon;
        _scorer = KernelPValueScorer.ForChangePoints(changeHistoryLength, martingale, epsilon, confidence);
    }

    private IidChangePointDetector(double confidence, KernelPValueScorer scorer)
    {
        Confidence = confidence;
        Martingale = scorer.Martingale;
        Epsilon = scorer.Epsilon;
        _scorer = scorer;
    }

    public DetectorKind Kind => DetectorKind.IidChangePoint;

    public void WriteState(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(Confidence);
        _scorer.WriteState(writer);
    }

    internal static IidChangePointDetector ReadState(BinaryReader reader) =>
        new(reader.ReadDouble(), KernelPValueScorer.ReadState(reader));

    public double Confidence { get; private set; }

    /// <inheritdoc/>
    public void Retune(double confidence)
    {
        DetectorArguments.ThrowIfNotConfidence(confidence, nameof(confidence));
        Confidence = confidence;
        _scorer.Retune(confidence);
    }

    public int WindowSize => _scorer.WindowSize;

    public MartingaleType Martingale { get; }

    public double Epsilon { get; }

    /// <summary>The martingale value that alerts: the product of W bets on p-values of 1 − confidence/100.</summary>
    public double AlertThreshold => _scorer.AlertThreshold;

    /// <summary>Mean of the window the latest value was scored against; NaN when it was empty or the value was not scored.</summary>
    public double BaselineMean => _scorer.BaselineMean;

    /// <summary>Scores a value, then adds it to the window. NaN and infinite values are reported but change nothing.</summary>
    public ChangePointResult Update(float value)
    {
        var score = _scorer.Score(value);
        return new ChangePointResult(score.Alert, value, score.PValue, score.Martingale);
    }
}
