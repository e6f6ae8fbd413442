namespace VitalTwin.Detection;

// ML.NET's SequentialAnomalyDetectionTransformBase (DETECTORS.md §1.1): kernel-density p-values, martingales and
// alerts over a sliding window of raw scores. Detectors differ only in their raw score, so they all share this.
internal sealed class KernelPValueScorer
{
    private const double MinPValue = 1e-8;
    private const double MaxPValue = 1 - MinPValue;
    private const double MinBandwidth = 1e-6;

    private readonly AnomalySide _side;
    private readonly MartingaleType _martingale;
    private readonly double _epsilon;
    private readonly double _logEpsilon;
    private readonly ScoreWindow _scores;
    private readonly double[] _logBets;
    private int _oldestBet;
    private bool _martingaleStarted;
    private double _sumSquaredDist;
    private double _logMartingale;
    private int _alertCooldown;

    private KernelPValueScorer(int windowSize, AnomalySide side, MartingaleType martingale, double epsilon, double alertThreshold)
    {
        _side = side;
        _martingale = martingale;
        _epsilon = epsilon;
        _logEpsilon = Math.Log(epsilon);
        _scores = new ScoreWindow(windowSize);
        _logBets = martingale == MartingaleType.None ? [] : new double[windowSize];
        AlertThreshold = alertThreshold;
    }

    public int WindowSize => _scores.Capacity;

    public AnomalySide Side => _side;

    public MartingaleType Martingale => _martingale;

    public double Epsilon => _epsilon;

    // A p-value at or below this (spikes) or a martingale at or above it (change points) alerts.
    public double AlertThreshold { get; private set; }

    public double BaselineMean { get; private set; } = double.NaN;

    public static KernelPValueScorer ForSpikes(int windowSize, AnomalySide side, double confidence) =>
        new(windowSize, side, MartingaleType.None, epsilon: double.NaN, 1 - (confidence / 100));

    public static KernelPValueScorer ForChangePoints(int windowSize, MartingaleType martingale, double epsilon, double confidence) =>
        new(windowSize, AnomalySide.TwoSided, martingale, epsilon, ChangePointThreshold(windowSize, martingale, epsilon, confidence));

    /// <summary>Alerts from now on at <paramref name="confidence"/>; the window, martingale and cooldown are kept.</summary>
    public void Retune(double confidence) =>
        AlertThreshold = _martingale == MartingaleType.None ? 1 - (confidence / 100) : ChangePointThreshold(WindowSize, _martingale, _epsilon, confidence);

    // The threshold is what W consecutive p-values of q = 1 − confidence/100 would bet the martingale up to.
    private static double ChangePointThreshold(int windowSize, MartingaleType martingale, double epsilon, double confidence)
    {
        double q = 1 - (confidence / 100);
        double logBet = martingale switch
        {
            MartingaleType.Power => LogPowerBet(q, epsilon),
            MartingaleType.Mixture => LogMixtureBet(q),
            _ => throw new ArgumentOutOfRangeException(nameof(martingale), martingale, "Change points need a martingale."),
        };
        return Math.Exp(windowSize * logBet);
    }

    public KernelScore Score(double rawScore)
    {
        // ML.NET keeps raw scores as float32 and computes the p-value from the rounded score.
        float score = (float)rawScore;

        // ML.NET skips NaN; an infinite score would poison the pairwise sum for good, so it is skipped too.
        if (!float.IsFinite(score))
        {
            BaselineMean = double.NaN;
            return new KernelScore(false, double.NaN, double.NaN);
        }

        double pValue = SidedPValue(KernelPValue(score));
        _scores.Append(score);

        double martingale = _martingale == MartingaleType.None ? double.NaN : UpdateMartingale(pValue);
        bool alert = _scores.IsFull && (_martingale == MartingaleType.None ? pValue <= AlertThreshold : MartingaleAlert(martingale));
        return new KernelScore(alert, pValue, martingale);
    }

    // The window is written oldest first, so the restored scorer sums in the same order and matches bit for bit.
    public void WriteState(BinaryWriter writer)
    {
        writer.Write((byte)_side);
        writer.Write((byte)_martingale);
        writer.Write(_epsilon);
        writer.Write(AlertThreshold);
        writer.Write(_scores.Capacity);
        writer.Write(_scores.Count);
        for (int i = 0; i < _scores.Count; i++)
        {
            writer.Write(_scores[i]);
        }
        writer.Write(_martingaleStarted);
        for (int i = 0; i < _logBets.Length; i++)
        {
            writer.Write(_logBets[(_oldestBet + i) % _logBets.Length]);
        }
        writer.Write(_sumSquaredDist);
        writer.Write(_logMartingale);
        writer.Write(_alertCooldown);
        writer.Write(BaselineMean);
    }

    public static KernelPValueScorer ReadState(BinaryReader reader)
    {
        var side = (AnomalySide)reader.ReadByte();
        var martingale = (MartingaleType)reader.ReadByte();
        double epsilon = reader.ReadDouble();
        double threshold = reader.ReadDouble();
        int windowSize = reader.ReadInt32();
        int count = reader.ReadInt32();
        if (windowSize < 1 || count < 0 || count > windowSize || !Enum.IsDefined(side) || !Enum.IsDefined(martingale))
        {
            throw new InvalidDataException("Scorer state is inconsistent.");
        }
        var scorer = new KernelPValueScorer(windowSize, side, martingale, epsilon, threshold);
        for (int i = 0; i < count; i++)
        {
            scorer._scores.Append(reader.ReadSingle());
        }
        scorer._martingaleStarted = reader.ReadBoolean();
        for (int i = 0; i < scorer._logBets.Length; i++)
        {
            scorer._logBets[i] = reader.ReadDouble();
        }
        scorer._sumSquaredDist = reader.ReadDouble();
        scorer._logMartingale = reader.ReadDouble();
        scorer._alertCooldown = reader.ReadInt32();
        scorer.BaselineMean = reader.ReadDouble();
        return scorer;
    }

    internal static double LogPowerBet(double pValue, double epsilon) => LogPowerBet(pValue, epsilon, Math.Log(epsilon));

    private static double LogPowerBet(double pValue, double epsilon, double logEpsilon) => logEpsilon + ((epsilon - 1) * Math.Log(pValue));

    internal static double LogMixtureBet(double pValue)
    {
        double logP = Math.Log(pValue);
        return Math.Log((pValue * logP) + 1 - pValue) - (2 * Math.Log(-logP)) - logP;
    }

    // Upper-tail probability under a Gaussian kernel density over the buffered scores; the running sum of squared
    // pairwise distances gives the bandwidth (σ = population std-dev) in O(W). Sums run oldest to newest, as in
    // ML.NET; only the erf terms differ from its own, by the last bit of an exponential now and then.
    private double KernelPValue(double score)
    {
        int n = _scores.Count;
        if (n == 0)
        {
            BaselineMean = double.NaN;
            return 0.5;
        }

        // Cancellation can leave the sum a hair below zero, where ML.NET would take the root of a negative number.
        double bandwidth = Math.Sqrt(2) * (n == 1 ? 1 : Math.Sqrt(Math.Max(_sumSquaredDist, 0)) / n);
        bandwidth = Math.Max(bandwidth, MinBandwidth);

        // Adds the new score's pairs to S and, when the window is full, drops those of the oldest, about to go.
        var pass = _scores.Pass(score, bandwidth, _sumSquaredDist);
        _sumSquaredDist = pass.SumSquaredDist;
        BaselineMean = pass.ScoreSum / n;
        return 0.5 + (pass.NegatedErfSum / (2 * n));
    }

    private double SidedPValue(double pValue)
    {
        pValue = _side switch
        {
            AnomalySide.Positive => pValue,
            AnomalySide.Negative => 1 - pValue,
            _ => Math.Min(pValue, 1 - pValue),
        };
        return Math.Clamp(pValue, MinPValue, MaxPValue);
    }

    // M = product of the last W bets; ML.NET starts the window filled with copies of the first bet.
    private double UpdateMartingale(double pValue)
    {
        double logBet = _martingale == MartingaleType.Power ? LogPowerBet(pValue, _epsilon, _logEpsilon) : LogMixtureBet(pValue);
        if (_martingaleStarted)
        {
            _logMartingale += logBet;
            _logMartingale -= _logBets[_oldestBet];
            _logBets[_oldestBet] = logBet;
            _oldestBet = _oldestBet + 1 == _logBets.Length ? 0 : _oldestBet + 1;
        }
        else
        {
            Array.Fill(_logBets, logBet);
            _logMartingale += _logBets.Length * logBet;
            _martingaleStarted = true;
        }

        return Math.Exp(_logMartingale);
    }

    // After an alert the next W − 1 crossings are suppressed, so one change raises one alert.
    private bool MartingaleAlert(double martingale)
    {
        bool alert = martingale >= AlertThreshold;
        if (alert)
        {
            if (_alertCooldown > 0)
            {
                alert = false;
            }
            else
            {
                _alertCooldown = WindowSize;
            }
        }

        _alertCooldown = Math.Max(_alertCooldown - 1, 0);
        return alert;
    }
}
