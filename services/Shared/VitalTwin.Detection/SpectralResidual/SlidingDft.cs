using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace VitalTwin.Detection;

// The spectral residual's two transforms for a window of W values followed by b copies of one extrapolated value
// (N = W + b), in double precision, in O(N) and O(W·N) per point instead of two arbitrary-length FFTs:
//
// * Forward. The window's own spectrum Y[k] = Σ_j w_j·ω^{jk} (ω = e^{−2πi/N}) slides: dropping w_0 and appending
//   w_new gives Y'[k] = ω^{−k}·(Y[k] − w_0) + w_new·ω^{(W−1)k}. The back-added copies add pred·G[k], with
//   G[k] = Σ_{j≥W} ω^{jk} fixed. The input is real, so only bins 0 … ⌊N/2⌋ are kept; the rest are their conjugates.
//   Each slide rounds, and the rotations' rounding compounds, so the bins are recomputed directly from the window
//   every DefaultResyncInterval slides (and while a non-finite value is in the window), which bounds the drift to
//   what that many slides can add: under 1e-10 of the largest bin over a million points whose level changes 1e5-fold
//   (SlidingDftTests), far below the float32 rounding (6e-8) the spectrum then goes through.
// * Inverse. Only the saliency at the W window positions is ever read, so those W outputs are computed directly:
//   pairing bins k and N − k, out_j = Σ_{k≤N/2} (P_k·cos θ_jk + i·M_k·sin θ_jk) with P = Z_k + Z_{N−k},
//   M = Z_k − Z_{N−k} and θ_jk = 2πjk/N, which halves the work; the sums over k run across 8 positions j at once.
internal sealed class SlidingDft
{
    // Slides between exact recomputations; a recomputation costs about as much as N/2 slides.
    public const int DefaultResyncInterval = 64;

    private readonly Table _table;
    private readonly double[] _binRe;
    private readonly double[] _binIm;
    private readonly double[] _linear;

    // Per bin k ≤ N/2, four doubles: Re P, Im M, Im P, Re M, with P = Z_k + Z_{N−k} and M = Z_k − Z_{N−k}.
    private readonly double[] _pairs;
    private readonly int _resyncInterval;
    private int _slides;
    private bool _stale = true;

    public SlidingDft(int windowSize, int length, int resyncInterval = DefaultResyncInterval)
    {
        _table = Table.For(windowSize, length);
        int bins = _table.Bins;
        _binRe = new double[bins];
        _binIm = new double[bins];
        _pairs = new double[4 * bins];
        _linear = new double[_table.PaddedWindow];
        _resyncInterval = resyncInterval;
    }

    public int WindowSize => _table.WindowSize;

    // Positions 0 … PaddedWindow − 1 are written by InverseOverWindow; those from W on are zeros of no meaning.
    public int PaddedWindow => _table.PaddedWindow;

    public int Length => _table.Length;

    // The next Advance recomputes the bins from the window instead of sliding them.
    public void Invalidate() => _stale = true;

    // Brings the bins to the window as it is now (oldest first, ring order given by oldest): by one slide when
    // the previous window is known and dropped `evicted`, else directly.
    public void Advance(ReadOnlySpan<float> ring, int oldest, float evicted)
    {
        if (_stale || _slides >= _resyncInterval)
        {
            Resync(ring, oldest);
            return;
        }

        Slide(evicted, ring[(oldest + WindowSize - 1) % WindowSize]);
        _slides++;
    }

    // F = Y + pred·G over all N bins, the upper half as conjugates of the lower.
    public void Spectrum(double predicted, Span<double> re, Span<double> im)
    {
        var tailRe = _table.TailRe;
        var tailIm = _table.TailIm;
        int n = Length;
        for (int k = 0; k < _table.Bins; k++)
        {
            re[k] = _binRe[k] + (predicted * tailRe[k]);
            im[k] = _binIm[k] + (predicted * tailIm[k]);
        }

        for (int k = _table.Bins; k < n; k++)
        {
            re[k] = re[n - k];
            im[k] = -im[n - k];
        }
    }

    // The unscaled inverse transform of the N-bin spectrum (re, im) at positions 0 … W − 1.
    public void InverseOverWindow(ReadOnlySpan<double> re, ReadOnlySpan<double> im, Span<double> outRe, Span<double> outIm)
    {
        int n = Length;
        int bins = _table.Bins;
        var pairs = _pairs.AsSpan();
        pairs[0] = re[0];
        pairs[1] = 0;
        pairs[2] = im[0];
        pairs[3] = 0;
        for (int k = 1; k < bins; k++)
        {
            int mirror = n - k;
            if (mirror == k)
            {
                // Bin N/2 of an even N is its own mirror: it counts once, and its sine (sin πj, 0 but for rounding) not at all.
                pairs[4 * k] = re[k];
                pairs[(4 * k) + 1] = 0;
                pairs[(4 * k) + 2] = im[k];
                pairs[(4 * k) + 3] = 0;
            }
            else
            {
                pairs[4 * k] = re[k] + re[mirror];
                pairs[(4 * k) + 1] = im[k] - im[mirror];
                pairs[(4 * k) + 2] = im[k] + im[mirror];
                pairs[(4 * k) + 3] = re[k] - re[mirror];
            }
        }

        if (Vector512.IsHardwareAccelerated)
        {
            Inverse512(outRe, outIm);
        }
        else
        {
            InverseVector(outRe, outIm);
        }
    }

    // Two blocks of 8 positions per pass, each with its cosine and sine parts in separate sums: eight independent
    // chains of one fused multiply-add per bin keep both FMA units busy.
    private void Inverse512(Span<double> outRe, Span<double> outIm)
    {
        int lanes = Vector512<double>.Count;
        int width = _table.PaddedWindow;
        int bins = _table.Bins;
        ref double cos = ref _table.Cos[0];
        ref double sin = ref _table.Sin[0];
        ref double pairs = ref _pairs[0];
        int j = 0;
        for (; j <= width - (2 * lanes); j += 2 * lanes)
        {
            var reCos0 = Vector512<double>.Zero;
            var reSin0 = Vector512<double>.Zero;
            var imCos0 = Vector512<double>.Zero;
            var imSin0 = Vector512<double>.Zero;
            var reCos1 = Vector512<double>.Zero;
            var reSin1 = Vector512<double>.Zero;
            var imCos1 = Vector512<double>.Zero;
            var imSin1 = Vector512<double>.Zero;
            for (int k = 0; k < bins; k++)
            {
                nuint row = (nuint)((k * width) + j);
                var c0 = Vector512.LoadUnsafe(ref cos, row);
                var s0 = Vector512.LoadUnsafe(ref sin, row);
                var c1 = Vector512.LoadUnsafe(ref cos, row + (nuint)lanes);
                var s1 = Vector512.LoadUnsafe(ref sin, row + (nuint)lanes);
                var sumRe = Vector512.Create(Unsafe.Add(ref pairs, 4 * k));
                var differenceIm = Vector512.Create(Unsafe.Add(ref pairs, (4 * k) + 1));
                var sumIm = Vector512.Create(Unsafe.Add(ref pairs, (4 * k) + 2));
                var differenceRe = Vector512.Create(Unsafe.Add(ref pairs, (4 * k) + 3));
                reCos0 = Vector512.FusedMultiplyAdd(sumRe, c0, reCos0);
                reSin0 = Vector512.FusedMultiplyAdd(differenceIm, s0, reSin0);
                imCos0 = Vector512.FusedMultiplyAdd(sumIm, c0, imCos0);
                imSin0 = Vector512.FusedMultiplyAdd(differenceRe, s0, imSin0);
                reCos1 = Vector512.FusedMultiplyAdd(sumRe, c1, reCos1);
                reSin1 = Vector512.FusedMultiplyAdd(differenceIm, s1, reSin1);
                imCos1 = Vector512.FusedMultiplyAdd(sumIm, c1, imCos1);
                imSin1 = Vector512.FusedMultiplyAdd(differenceRe, s1, imSin1);
            }

            (reCos0 - reSin0).StoreUnsafe(ref outRe[0], (nuint)j);
            (imCos0 + imSin0).StoreUnsafe(ref outIm[0], (nuint)j);
            (reCos1 - reSin1).StoreUnsafe(ref outRe[0], (nuint)(j + lanes));
            (imCos1 + imSin1).StoreUnsafe(ref outIm[0], (nuint)(j + lanes));
        }

        for (; j < width; j += lanes)
        {
            var reCos = Vector512<double>.Zero;
            var reSin = Vector512<double>.Zero;
            var imCos = Vector512<double>.Zero;
            var imSin = Vector512<double>.Zero;
            for (int k = 0; k < bins; k++)
            {
                var c = Vector512.LoadUnsafe(ref cos, (nuint)((k * width) + j));
                var s = Vector512.LoadUnsafe(ref sin, (nuint)((k * width) + j));
                reCos = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref pairs, 4 * k)), c, reCos);
                reSin = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref pairs, (4 * k) + 1)), s, reSin);
                imCos = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref pairs, (4 * k) + 2)), c, imCos);
                imSin = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref pairs, (4 * k) + 3)), s, imSin);
            }

            (reCos - reSin).StoreUnsafe(ref outRe[0], (nuint)j);
            (imCos + imSin).StoreUnsafe(ref outIm[0], (nuint)j);
        }
    }

    private void InverseVector(Span<double> outRe, Span<double> outIm)
    {
        int lanes = Vector<double>.Count;
        int width = _table.PaddedWindow;
        var cos = _table.Cos.AsSpan();
        var sin = _table.Sin.AsSpan();
        for (int j = 0; j < width; j += lanes)
        {
            var reCos = Vector<double>.Zero;
            var reSin = Vector<double>.Zero;
            var imCos = Vector<double>.Zero;
            var imSin = Vector<double>.Zero;
            for (int k = 0; k < _table.Bins; k++)
            {
                var c = new Vector<double>(cos[((k * width) + j)..]);
                var s = new Vector<double>(sin[((k * width) + j)..]);
                reCos += new Vector<double>(_pairs[4 * k]) * c;
                reSin += new Vector<double>(_pairs[(4 * k) + 1]) * s;
                imCos += new Vector<double>(_pairs[(4 * k) + 2]) * c;
                imSin += new Vector<double>(_pairs[(4 * k) + 3]) * s;
            }

            (reCos - reSin).CopyTo(outRe[j..]);
            (imCos + imSin).CopyTo(outIm[j..]);
        }
    }

    // The bins as they are, drift included, so that a restored detector continues bit for bit.
    public void WriteState(BinaryWriter writer)
    {
        writer.Write(_stale);
        writer.Write(_slides);
        for (int k = 0; k < _binRe.Length; k++)
        {
            writer.Write(_binRe[k]);
            writer.Write(_binIm[k]);
        }
    }

    public void ReadState(BinaryReader reader)
    {
        _stale = reader.ReadBoolean();
        _slides = reader.ReadInt32();
        if (_slides < 0)
        {
            throw new InvalidDataException("Sliding spectrum state is inconsistent.");
        }

        for (int k = 0; k < _binRe.Length; k++)
        {
            _binRe[k] = reader.ReadDouble();
            _binIm[k] = reader.ReadDouble();
        }
    }

    // Y'[k] = ω^{−k}·(Y[k] − w_0) + w_new·ω^{(W−1)k}.
    private void Slide(double evicted, double added)
    {
        var rotateCos = _table.RotateCos;
        var rotateSin = _table.RotateSin;
        var lastCos = _table.LastCos;
        var lastSin = _table.LastSin;
        for (int k = 0; k < _table.Bins; k++)
        {
            double a = _binRe[k] - evicted;
            double b = _binIm[k];
            _binRe[k] = (a * rotateCos[k]) - (b * rotateSin[k]) + (added * lastCos[k]);
            _binIm[k] = (a * rotateSin[k]) + (b * rotateCos[k]) - (added * lastSin[k]);
        }
    }

    // Y[k] = Σ_j w_j·(cos θ_jk − i·sin θ_jk), directly.
    private void Resync(ReadOnlySpan<float> ring, int oldest)
    {
        int w = WindowSize;
        for (int j = 0; j < w; j++)
        {
            _linear[j] = ring[(oldest + j) % w];
        }

        int width = _table.PaddedWindow;
        var linear = _linear.AsSpan();
        for (int k = 0; k < _table.Bins; k++)
        {
            _binRe[k] = Dot(linear, _table.Cos.AsSpan(k * width, width));
            _binIm[k] = -Dot(linear, _table.Sin.AsSpan(k * width, width));
        }

        _slides = 0;
        _stale = false;
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var sum = Vector<double>.Zero;
        for (int i = 0; i < a.Length; i += Vector<double>.Count)
        {
            sum += new Vector<double>(a[i..]) * new Vector<double>(b[i..]);
        }

        return Vector.Sum(sum);
    }

    // cos θ_jk and sin θ_jk for bins k ≤ N/2 and window positions j (rows of k, j padded to whole 512-bit vectors
    // with zeros), shared by every detector of the same W and N: immutable once built.
    private sealed class Table
    {
        private static readonly ConcurrentDictionary<(int WindowSize, int Length), Table> Cache = new();

        private Table(int windowSize, int length)
        {
            WindowSize = windowSize;
            Length = length;
            Bins = (length / 2) + 1;
            PaddedWindow = (windowSize + Vector512<double>.Count - 1) / Vector512<double>.Count * Vector512<double>.Count;
            Cos = new double[Bins * PaddedWindow];
            Sin = new double[Bins * PaddedWindow];
            RotateCos = new double[Bins];
            RotateSin = new double[Bins];
            LastCos = new double[Bins];
            LastSin = new double[Bins];
            TailRe = new double[Bins];
            TailIm = new double[Bins];
            for (int k = 0; k < Bins; k++)
            {
                for (int j = 0; j < windowSize; j++)
                {
                    (Sin[(k * PaddedWindow) + j], Cos[(k * PaddedWindow) + j]) = SinCos(j, k, length);
                }

                (RotateSin[k], RotateCos[k]) = SinCos(1, k, length);
                (LastSin[k], LastCos[k]) = SinCos(windowSize - 1, k, length);
                for (int j = windowSize; j < length; j++)
                {
                    (double sin, double cos) = SinCos(j, k, length);
                    TailRe[k] += cos;
                    TailIm[k] -= sin;
                }
            }
        }

        public int WindowSize { get; }

        public int Length { get; }

        public int Bins { get; }

        public int PaddedWindow { get; }

        public double[] Cos { get; }

        public double[] Sin { get; }

        public double[] RotateCos { get; }

        public double[] RotateSin { get; }

        public double[] LastCos { get; }

        public double[] LastSin { get; }

        public double[] TailRe { get; }

        public double[] TailIm { get; }

        public static Table For(int windowSize, int length) =>
            Cache.GetOrAdd((windowSize, length), static key => new Table(key.WindowSize, key.Length));

        // The angle 2πjk/N with jk reduced mod N first, so that it stays exact for any j and k.
        private static (double Sin, double Cos) SinCos(int j, int k, int length) =>
            Math.SinCos(2 * Math.PI * ((long)j * k % length) / length);
    }
}
