using System.Numerics;

namespace VitalTwin.Detection;

/// <summary>
/// Streaming Spectral Residual anomaly detector: ML.NET's DetectAnomalyBySrCnn (SrCnnAnomalyDetector), output for
/// output. Each value recomputes the saliency map of the last <see cref="WindowSize"/> values and scores the newest
/// one against its trailing average. The first W − 1 values output zeros. A NaN enters the window, as in ML.NET,
/// and scores are NaN (never alerting) until it leaves. O(W·(W + b)) per value with a small constant (a sliding
/// forward transform, an inverse at the window positions only), no allocation. Not thread-safe.
/// </summary>
public sealed class SrCnnDetector : IStatefulDetector
{
    private const double MinAverageSaliency = 1e-8;

    private readonly float[] _window;
    private int _oldest;
    private int _count;
    private int _nonFinite;

    private readonly SlidingDft _dft;
    private readonly double[] _re;
    private readonly double[] _im;
    private readonly double[] _saliencyRe;
    private readonly double[] _saliencyIm;
    private readonly float[] _spectrumRe;
    private readonly float[] _spectrumIm;
    private readonly float[] _amplitude;
    private readonly float[] _logAmplitude;
    private readonly float[] _average;
    private readonly float[] _saliency;

    /// <param name="windowSize">W, the values each score looks at, newest included; at least lookaheadWindowSize + 2.</param>
    /// <param name="backAddWindowSize">b, copies of the extrapolated next value appended before the FFT; at least 1.</param>
    /// <param name="lookaheadWindowSize">Past values the extrapolation uses; in [1, W].</param>
    /// <param name="averagingWindowSize">Width of the log-amplitude average; in [1, W].</param>
    /// <param name="judgementWindowSize">Width of the trailing saliency average the newest value is judged against; in [1, W].</param>
    /// <param name="threshold">Clipped raw score above which a value alerts; in (0, 1).</param>
    public SrCnnDetector(
        int windowSize = 64,
        int backAddWindowSize = 5,
        int lookaheadWindowSize = 5,
        int averagingWindowSize = 3,
        int judgementWindowSize = 21,
        double threshold = 0.3)
        : this(windowSize, backAddWindowSize, lookaheadWindowSize, averagingWindowSize, judgementWindowSize, threshold, SlidingDft.DefaultResyncInterval)
    {
    }

    // resyncInterval 1 recomputes the forward transform directly on every point (tests compare against that).
    internal SrCnnDetector(
        int windowSize,
        int backAddWindowSize,
        int lookaheadWindowSize,
        int averagingWindowSize,
        int judgementWindowSize,
        double threshold,
        int resyncInterval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(backAddWindowSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(lookaheadWindowSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(lookaheadWindowSize, windowSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(averagingWindowSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(averagingWindowSize, windowSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(judgementWindowSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(judgementWindowSize, windowSize);
        if (!(threshold > 0 && threshold < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "Threshold must lie strictly between 0 and 1.");
        }

        // ML.NET checks only lookahead ≤ W, then reads the value before the window when W < lookahead + 2.
        if (windowSize < lookaheadWindowSize + 2)
        {
            throw new ArgumentOutOfRangeException(nameof(windowSize), windowSize, "Window size must be at least lookaheadWindowSize + 2.");
        }

        WindowSize = windowSize;
        BackAddWindowSize = backAddWindowSize;
        LookaheadWindowSize = lookaheadWindowSize;
        AveragingWindowSize = averagingWindowSize;
        JudgementWindowSize = judgementWindowSize;
        Threshold = threshold;

        int length = checked(windowSize + backAddWindowSize);
        int padded = RoundUpToVector(length);
        _window = new float[windowSize];
        _dft = new SlidingDft(windowSize, length, resyncInterval);
        _re = new double[padded];
        _im = new double[padded];
        int positions = Math.Max(RoundUpToVector(windowSize), _dft.PaddedWindow);
        _saliencyRe = new double[positions];
        _saliencyIm = new double[positions];
        _spectrumRe = new float[padded];
        _spectrumIm = new float[padded];
        _amplitude = new float[padded];
        _logAmplitude = new float[padded];
        _average = new float[padded];
        _saliency = new float[RoundUpToVector(windowSize)];
    }

    public int WindowSize { get; }

    public int BackAddWindowSize { get; }

    public int LookaheadWindowSize { get; }

    public int AveragingWindowSize { get; }

    public int JudgementWindowSize { get; }

    public double Threshold { get; }

    public DetectorKind Kind => DetectorKind.SrCnn;

    /// <summary>Adds a value to the window, then scores it once the window is full.</summary>
    public SrCnnResult Update(float value)
    {
        float evicted = 0;
        if (_count < WindowSize)
        {
            _window[(_oldest + _count) % WindowSize] = value;
            _count++;
        }
        else
        {
            evicted = _window[_oldest];
            _window[_oldest] = value;
            _oldest = _oldest + 1 == WindowSize ? 0 : _oldest + 1;
            _nonFinite -= float.IsFinite(evicted) ? 0 : 1;
        }

        _nonFinite += float.IsFinite(value) ? 0 : 1;
        if (_count < WindowSize)
        {
            return default;
        }

        _dft.Advance(_window, _oldest, evicted);

        // Sliding would carry a NaN on after it has left the window: recompute until then.
        if (_nonFinite > 0)
        {
            _dft.Invalidate();
        }

        return Score();
    }

    public void WriteState(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(WindowSize);
        writer.Write(BackAddWindowSize);
        writer.Write(LookaheadWindowSize);
        writer.Write(AveragingWindowSize);
        writer.Write(JudgementWindowSize);
        writer.Write(Threshold);
        writer.Write(_count);
        for (int i = 0; i < _count; i++)
        {
            writer.Write(_window[(_oldest + i) % WindowSize]);
        }

        _dft.WriteState(writer);
    }

    internal static SrCnnDetector ReadState(BinaryReader reader)
    {
        int windowSize = reader.ReadInt32();
        int backAdd = reader.ReadInt32();
        int lookahead = reader.ReadInt32();
        int averaging = reader.ReadInt32();
        int judgement = reader.ReadInt32();
        double threshold = reader.ReadDouble();
        int count = reader.ReadInt32();

        SrCnnDetector detector;
        try
        {
            detector = new SrCnnDetector(windowSize, backAdd, lookahead, averaging, judgement, threshold);
        }
        catch (Exception ex) when (ex is ArgumentOutOfRangeException or OverflowException)
        {
            throw new InvalidDataException("SrCnn state has invalid parameters.", ex);
        }
        if (count < 0 || count > windowSize)
        {
            throw new InvalidDataException("SrCnn state is inconsistent.");
        }

        for (int i = 0; i < count; i++)
        {
            float value = reader.ReadSingle();
            detector._window[i] = value;
            detector._nonFinite += float.IsFinite(value) ? 0 : 1;
        }
        detector._count = count;

        // Checkpoints written before the transform slid end here; the transform is then recomputed from the window.
        if (reader.BaseStream.Position < reader.BaseStream.Length)
        {
            detector._dft.ReadState(reader);
        }

        return detector;
    }

    // SrCnnAnomalyDetectionBase.SpectralResidual, step for step in float32 as ML.NET computes it. Only the
    // transforms run in double (ML.NET calls MKL's single-precision FFT) and are rounded to float; the inverse is
    // taken only at the W window positions, the only saliencies the score reads. Element-wise
    // steps run SIMD-wide over buffers padded to whole vectors. Log and exp are taken in double and rounded to
    // float, as ML.NET's (float)Math.Log; the vector versions can differ from Math's by an ulp of double, which
    // the rounding hides in all but about one case in 10^9.
    private SrCnnResult Score()
    {
        int w = WindowSize;
        int length = _dft.Length;
        var re = _re.AsSpan();
        var im = _im.AsSpan();

        _dft.Spectrum(PredictNext(), re, im);
        LogSpectrum();
        AverageFilter(_logAmplitude.AsSpan(0, length), _average.AsSpan(0, length), AveragingWindowSize);
        SpectralResidual();
        _dft.InverseOverWindow(re, im, _saliencyRe, _saliencyIm);
        Saliency(1f / length);

        // Prefix sums make the average at W − 1 depend only on saliencies up to W − 1; the back-added tail is not needed.
        float saliency = _saliency[w - 1];
        float average = AverageAtLast(_saliency.AsSpan(0, w), _average.AsSpan(0, w), JudgementWindowSize);
        double divisor = Math.Max(average, MinAverageSaliency);
        float score = (float)(Math.Abs(saliency - average) / divisor);
        score /= 10.0f;
        float clipped = Math.Max(Math.Min(score, 1f), 0f);
        return new SrCnnResult(clipped > Threshold, score, saliency);
    }

    // F rounded to float, A = |F| and L = ln A (0 where A = 0), for bins 0 … N/2; the upper bins are conjugates,
    // so their A and L are copies and their F is the lower bin's with the sign of the imaginary part flipped.
    private void LogSpectrum()
    {
        int doubles = Vector<double>.Count;
        int length = _dft.Length;
        int bins = (length / 2) + 1;
        for (int i = 0; i < bins; i += Vector<float>.Count)
        {
            var fr = Vector.Narrow(new Vector<double>(_re, i), new Vector<double>(_re, i + doubles));
            var fi = Vector.Narrow(new Vector<double>(_im, i), new Vector<double>(_im, i + doubles));
            var amplitude = Vector.SquareRoot((fr * fr) + (fi * fi));
            Vector.Widen(amplitude, out var low, out var high);
            var log = Vector.Narrow(Vector.Log(low), Vector.Log(high));
            log = Vector.ConditionalSelect(Vector.Equals(amplitude, Vector<float>.Zero), Vector<float>.Zero, log);
            fr.CopyTo(_spectrumRe, i);
            fi.CopyTo(_spectrumIm, i);
            amplitude.CopyTo(_amplitude, i);
            log.CopyTo(_logAmplitude, i);
        }

        for (int k = bins; k < length; k++)
        {
            _spectrumRe[k] = _spectrumRe[length - k];
            _spectrumIm[k] = -_spectrumIm[length - k];
            _amplitude[k] = _amplitude[length - k];
            _logAmplitude[k] = _logAmplitude[length - k];
        }
    }

    // F · e^{L − avg L} / A, 0 where L = 0, widened back to double for the inverse transform.
    private void SpectralResidual()
    {
        int doubles = Vector<double>.Count;
        for (int i = 0; i < _spectrumRe.Length; i += Vector<float>.Count)
        {
            var log = new Vector<float>(_logAmplitude, i);
            Vector.Widen(log - new Vector<float>(_average, i), out var low, out var high);
            var residual = Vector.Narrow(Vector.Exp(low), Vector.Exp(high));
            var amplitude = new Vector<float>(_amplitude, i);
            var isZero = Vector.Equals(log, Vector<float>.Zero);
            var zr = Vector.ConditionalSelect(isZero, Vector<float>.Zero, new Vector<float>(_spectrumRe, i) * residual / amplitude);
            var zi = Vector.ConditionalSelect(isZero, Vector<float>.Zero, new Vector<float>(_spectrumIm, i) * residual / amplitude);
            Vector.Widen(zr, out low, out high);
            low.CopyTo(_re, i);
            high.CopyTo(_re, i + doubles);
            Vector.Widen(zi, out low, out high);
            low.CopyTo(_im, i);
            high.CopyTo(_im, i + doubles);
        }
    }

    // S = |IFFT| with ML.NET's float 1/N scaling.
    private void Saliency(float scale)
    {
        int doubles = Vector<double>.Count;
        for (int i = 0; i < _saliency.Length; i += Vector<float>.Count)
        {
            var sr = Vector.Narrow(new Vector<double>(_saliencyRe, i), new Vector<double>(_saliencyRe, i + doubles)) * scale;
            var si = Vector.Narrow(new Vector<double>(_saliencyIm, i), new Vector<double>(_saliencyIm, i + doubles)) * scale;
            Vector.SquareRoot((sr * sr) + (si * si)).CopyTo(_saliency, i);
        }
    }

    private static int RoundUpToVector(int length) =>
        checked((length + Vector<float>.Count - 1) / Vector<float>.Count * Vector<float>.Count);

    // A line through the value before the newest, plus the average slope from the lookahead values to the last one.
    private float PredictNext()
    {
        int m = LookaheadWindowSize + 1;
        int first = WindowSize - LookaheadWindowSize - 2;
        float last = WindowAt(first + m - 1);
        float slopeSum = 0f;
        for (int i = 0; i < m - 1; i++)
        {
            slopeSum += (last - WindowAt(first + i)) / (m - 1 - i);
        }
        return WindowAt(first + 1) + slopeSum;
    }

    private float WindowAt(int index)
    {
        int position = _oldest + index;
        return _window[position < WindowSize ? position : position - WindowSize];
    }

    // Trailing moving average over q values, growing from 1 at the start; index 0 is left as is (ML.NET's AverageFilter).
    // Walking down from the end keeps the prefix sums it subtracts unmodified, a vector at a time: a vector reads
    // prefix sums below its own first index, or its own lanes before it overwrites them.
    private static void AverageFilter(ReadOnlySpan<float> values, Span<float> result, int q)
    {
        PrefixSums(values, result);
        int lanes = Vector<float>.Count;
        var divisor = new Vector<float>(q);
        int end = result.Length;
        for (int start = end - lanes; start >= q; start -= lanes)
        {
            ((new Vector<float>(result[start..]) - new Vector<float>(result[(start - q)..])) / divisor).CopyTo(result[start..]);
            end = start;
        }

        for (int i = end - 1; i >= q; i--)
        {
            result[i] = (result[i] - result[i - q]) / q;
        }

        for (int i = 1; i < Math.Min(q, result.Length); i++)
        {
            result[i] /= i + 1;
        }
    }

    // AverageFilter's last element alone, bit for bit.
    private static float AverageAtLast(ReadOnlySpan<float> values, Span<float> prefix, int q)
    {
        PrefixSums(values, prefix);
        int last = prefix.Length - 1;
        return last >= q ? (prefix[last] - prefix[last - q]) / q
            : last >= 1 ? prefix[last] / (last + 1)
            : prefix[last];
    }

    private static void PrefixSums(ReadOnlySpan<float> values, Span<float> sums)
    {
        float sum = 0f;
        for (int i = 0; i < sums.Length; i++)
        {
            sum += values[i];
            sums[i] = sum;
        }
    }
}
