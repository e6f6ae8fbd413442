using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace VitalTwin.Detection;

// Unscaled complex DFT of one fixed length, in place on split real/imaginary spans, in double precision.
// Forward uses e^{-2πikn/N}, Backward e^{+2πikn/N} (callers divide by N, as ML.NET's FftUtils does).
// Powers of two run radix-2 directly; any other length runs Bluestein's chirp-z convolution on a power of two
// at least 2N − 1. All buffers are allocated here, so a transform allocates nothing.
internal sealed class ComplexFft
{
    private readonly Radix2? _direct;
    private readonly Radix2? _convolution;
    private readonly double[] _chirpRe = [];
    private readonly double[] _chirpIm = [];
    private readonly double[] _filterRe = [];
    private readonly double[] _filterIm = [];
    private readonly double[] _workRe = [];
    private readonly double[] _workIm = [];

    public ComplexFft(int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        Length = length;
        if (BitOperations.IsPow2(length))
        {
            _direct = new Radix2(length);
            return;
        }

        int size = (int)BitOperations.RoundUpToPowerOf2((uint)((2 * length) - 1));
        _convolution = new Radix2(size);
        _chirpRe = new double[length];
        _chirpIm = new double[length];
        _filterRe = new double[size];
        _filterIm = new double[size];
        _workRe = new double[size];
        _workIm = new double[size];

        // w_n = e^{-iπn²/N}; n² is reduced mod 2N first so the angle stays exact for long transforms.
        for (int n = 0; n < length; n++)
        {
            long square = (long)n * n % (2L * length);
            (double sin, double cos) = Math.SinCos(Math.PI * square / length);
            _chirpRe[n] = cos;
            _chirpIm[n] = -sin;
        }

        // The filter is conj(w) wrapped around; its spectrum absorbs the 1/size of the inverse (exact: a power of two).
        double scale = 1.0 / size;
        _filterRe[0] = _chirpRe[0] * scale;
        _filterIm[0] = -_chirpIm[0] * scale;
        for (int n = 1; n < length; n++)
        {
            _filterRe[n] = _filterRe[size - n] = _chirpRe[n] * scale;
            _filterIm[n] = _filterIm[size - n] = -_chirpIm[n] * scale;
        }
        _convolution.ForwardToBitReversed(_filterRe, _filterIm);
    }

    public int Length { get; }

    public void Forward(Span<double> re, Span<double> im)
    {
        re = re[..Length];
        im = im[..Length];
        if (_direct is not null)
        {
            _direct.ForwardToBitReversed(re, im);
            _direct.BitReverse(re, im);
        }
        else
        {
            Bluestein(re, im);
        }
    }

    // conj(F(conj(x))) is the transform with the opposite sign.
    public void Backward(Span<double> re, Span<double> im)
    {
        im = im[..Length];
        Negate(im);
        Forward(re, im);
        Negate(im);
    }

    private void Bluestein(Span<double> re, Span<double> im)
    {
        int n = Length;
        var workRe = _workRe.AsSpan();
        var workIm = _workIm.AsSpan();
        for (int i = 0; i < n; i++)
        {
            double cr = _chirpRe[i];
            double ci = _chirpIm[i];
            workRe[i] = (re[i] * cr) - (im[i] * ci);
            workIm[i] = (re[i] * ci) + (im[i] * cr);
        }
        workRe[n..].Clear();
        workIm[n..].Clear();

        _convolution!.ForwardToBitReversed(workRe, workIm);
        MultiplyByFilter(workRe, workIm);
        _convolution.BackwardFromBitReversed(workRe, workIm);

        for (int i = 0; i < n; i++)
        {
            double cr = _chirpRe[i];
            double ci = _chirpIm[i];
            re[i] = (workRe[i] * cr) - (workIm[i] * ci);
            im[i] = (workRe[i] * ci) + (workIm[i] * cr);
        }
    }

    private void MultiplyByFilter(Span<double> re, Span<double> im)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= re.Length - Vector<double>.Count; i += Vector<double>.Count)
            {
                var ar = new Vector<double>(re[i..]);
                var ai = new Vector<double>(im[i..]);
                var br = new Vector<double>(_filterRe, i);
                var bi = new Vector<double>(_filterIm, i);
                ((ar * br) - (ai * bi)).CopyTo(re[i..]);
                ((ar * bi) + (ai * br)).CopyTo(im[i..]);
            }
        }
        for (; i < re.Length; i++)
        {
            double ar = re[i], ai = im[i], br = _filterRe[i], bi = _filterIm[i];
            re[i] = (ar * br) - (ai * bi);
            im[i] = (ar * bi) + (ai * br);
        }
    }

    private static void Negate(Span<double> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = -values[i];
        }
    }

    // Decimation in frequency leaves the spectrum bit-reversed and decimation in time takes it back, so a
    // convolution never pays for the permutation. Stages are fused in pairs (radix 2²: one pass, three twiddle
    // products per four points) with a single radix-2 stage first when log2(size) is odd; passes at least a SIMD
    // register wide are vectorised. Lanes do the same IEEE operations as scalar code, so results do not depend on
    // the hardware.
    private sealed class Radix2
    {
        private readonly int _size;
        private readonly bool _hasSingleStage;

        // Single stage (half-width size/2): e^{-2πij/size}, j < size/2.
        private readonly double[] _singleRe;
        private readonly double[] _singleIm;

        // Fused pair of half-widths h and h/2, quarter q = h/2: W^j, W^{2j}, W^{3j} with W = e^{-2πi/(2h)}, j < q, at [q + j].
        private readonly double[] _w1Re;
        private readonly double[] _w1Im;
        private readonly double[] _w2Re;
        private readonly double[] _w2Im;
        private readonly double[] _w3Re;
        private readonly double[] _w3Im;
        private readonly int[] _bitReversed;

        public Radix2(int size)
        {
            _size = size;
            int bits = BitOperations.Log2((uint)size);
            _hasSingleStage = bits % 2 == 1;

            _singleRe = new double[size / 2];
            _singleIm = new double[size / 2];
            for (int j = 0; j < size / 2; j++)
            {
                (_singleRe[j], _singleIm[j]) = Twiddle(j, size);
            }

            _w1Re = new double[size];
            _w1Im = new double[size];
            _w2Re = new double[size];
            _w2Im = new double[size];
            _w3Re = new double[size];
            _w3Im = new double[size];
            for (int quarter = 1; quarter < size / 2; quarter *= 4)
            {
                int turn = 4 * quarter;
                for (int j = 0; j < quarter; j++)
                {
                    (_w1Re[quarter + j], _w1Im[quarter + j]) = Twiddle(j, turn);
                    (_w2Re[quarter + j], _w2Im[quarter + j]) = Twiddle(2 * j, turn);
                    (_w3Re[quarter + j], _w3Im[quarter + j]) = Twiddle(3 * j, turn);
                }
            }

            _bitReversed = new int[size];
            for (int i = 0; i < size; i++)
            {
                _bitReversed[i] = bits == 0 ? 0 : (int)(ReverseBits((uint)i) >> (32 - bits));
            }
        }

        public void ForwardToBitReversed(Span<double> re, Span<double> im)
        {
            ref double r = ref MemoryMarshal.GetReference(re[.._size]);
            ref double i = ref MemoryMarshal.GetReference(im[.._size]);
            int block = _size;
            if (_hasSingleStage)
            {
                SingleStage(ref r, ref i, inverse: false);
                block /= 2;
            }
            for (; block >= 4; block /= 4)
            {
                FusedStages(ref r, ref i, block / 4, inverse: false);
            }
        }

        // Positive-exponent transform, unscaled.
        public void BackwardFromBitReversed(Span<double> re, Span<double> im)
        {
            ref double r = ref MemoryMarshal.GetReference(re[.._size]);
            ref double i = ref MemoryMarshal.GetReference(im[.._size]);
            int largest = _hasSingleStage ? _size / 2 : _size;
            for (int block = 4; block <= largest; block *= 4)
            {
                FusedStages(ref r, ref i, block / 4, inverse: true);
            }
            if (_hasSingleStage)
            {
                SingleStage(ref r, ref i, inverse: true);
            }
        }

        public void BitReverse(Span<double> re, Span<double> im)
        {
            for (int i = 0; i < _size; i++)
            {
                int j = _bitReversed[i];
                if (j > i)
                {
                    (re[i], re[j]) = (re[j], re[i]);
                    (im[i], im[j]) = (im[j], im[i]);
                }
            }
        }

        // Forward: a, b ← a + b, (a − b)·w. Inverse, its transpose: a, b ← a + b·conj(w), a − b·conj(w).
        private void SingleStage(ref double re, ref double im, bool inverse)
        {
            int half = _size / 2;
            ref double twRe = ref MemoryMarshal.GetArrayDataReference(_singleRe);
            ref double twIm = ref MemoryMarshal.GetArrayDataReference(_singleIm);
            int j = 0;
            if (Vector.IsHardwareAccelerated)
            {
                for (; j <= half - Vector<double>.Count; j += Vector<double>.Count)
                {
                    nuint a = (nuint)j;
                    nuint b = a + (nuint)half;
                    var wr = Vector.LoadUnsafe(ref twRe, a);
                    var wi = Vector.LoadUnsafe(ref twIm, a);
                    var xr = Vector.LoadUnsafe(ref re, a);
                    var xi = Vector.LoadUnsafe(ref im, a);
                    var yr = Vector.LoadUnsafe(ref re, b);
                    var yi = Vector.LoadUnsafe(ref im, b);
                    if (inverse)
                    {
                        var tr = (yr * wr) + (yi * wi);
                        var ti = (yi * wr) - (yr * wi);
                        (xr + tr).StoreUnsafe(ref re, a);
                        (xi + ti).StoreUnsafe(ref im, a);
                        (xr - tr).StoreUnsafe(ref re, b);
                        (xi - ti).StoreUnsafe(ref im, b);
                    }
                    else
                    {
                        var dr = xr - yr;
                        var di = xi - yi;
                        (xr + yr).StoreUnsafe(ref re, a);
                        (xi + yi).StoreUnsafe(ref im, a);
                        ((dr * wr) - (di * wi)).StoreUnsafe(ref re, b);
                        ((dr * wi) + (di * wr)).StoreUnsafe(ref im, b);
                    }
                }
            }
            for (; j < half; j++)
            {
                int b = j + half;
                double wr = Unsafe.Add(ref twRe, j), wi = Unsafe.Add(ref twIm, j);
                double xr = Unsafe.Add(ref re, j), xi = Unsafe.Add(ref im, j);
                double yr = Unsafe.Add(ref re, b), yi = Unsafe.Add(ref im, b);
                if (inverse)
                {
                    double tr = (yr * wr) + (yi * wi);
                    double ti = (yi * wr) - (yr * wi);
                    Unsafe.Add(ref re, j) = xr + tr;
                    Unsafe.Add(ref im, j) = xi + ti;
                    Unsafe.Add(ref re, b) = xr - tr;
                    Unsafe.Add(ref im, b) = xi - ti;
                }
                else
                {
                    double dr = xr - yr, di = xi - yi;
                    Unsafe.Add(ref re, j) = xr + yr;
                    Unsafe.Add(ref im, j) = xi + yi;
                    Unsafe.Add(ref re, b) = (dr * wr) - (di * wi);
                    Unsafe.Add(ref im, b) = (dr * wi) + (di * wr);
                }
            }
        }

        // Two radix-2 stages on x0..x3 = x[j], x[j+q], x[j+2q], x[j+3q]. With s = x0 + x2, t = x1 + x3,
        // d = x0 − x2, e = x1 − x3, forward gives s + t, (s − t)·W², (d − ie)·W, (d + ie)·W³ in the same slots.
        // Inverse, its transpose with conj(W): with u = y1·conj(W²), p = y2·conj(W), r = y3·conj(W³), it gives
        // (y0 + u) + (p + r), (y0 − u) + i(p − r), (y0 + u) − (p + r), (y0 − u) − i(p − r).
        private void FusedStages(ref double re, ref double im, int quarter, bool inverse)
        {
            int width = Vector<double>.Count;
            bool vectorised = Vector.IsHardwareAccelerated && quarter >= width;
            for (int start = 0; start < _size; start += 4 * quarter)
            {
                int j = 0;
                if (vectorised)
                {
                    for (; j < quarter; j += width)
                    {
                        nuint i0 = (nuint)(start + j);
                        nuint i1 = i0 + (nuint)quarter;
                        nuint i2 = i1 + (nuint)quarter;
                        nuint i3 = i2 + (nuint)quarter;
                        nuint tw = (nuint)(quarter + j);
                        var w1r = Vector.LoadUnsafe(ref _w1Re[0], tw);
                        var w1i = Vector.LoadUnsafe(ref _w1Im[0], tw);
                        var w2r = Vector.LoadUnsafe(ref _w2Re[0], tw);
                        var w2i = Vector.LoadUnsafe(ref _w2Im[0], tw);
                        var w3r = Vector.LoadUnsafe(ref _w3Re[0], tw);
                        var w3i = Vector.LoadUnsafe(ref _w3Im[0], tw);
                        var x0r = Vector.LoadUnsafe(ref re, i0);
                        var x0i = Vector.LoadUnsafe(ref im, i0);
                        var x1r = Vector.LoadUnsafe(ref re, i1);
                        var x1i = Vector.LoadUnsafe(ref im, i1);
                        var x2r = Vector.LoadUnsafe(ref re, i2);
                        var x2i = Vector.LoadUnsafe(ref im, i2);
                        var x3r = Vector.LoadUnsafe(ref re, i3);
                        var x3i = Vector.LoadUnsafe(ref im, i3);
                        if (inverse)
                        {
                            var ur = (x1r * w2r) + (x1i * w2i);
                            var ui = (x1i * w2r) - (x1r * w2i);
                            var pr = (x2r * w1r) + (x2i * w1i);
                            var pi = (x2i * w1r) - (x2r * w1i);
                            var rr = (x3r * w3r) + (x3i * w3i);
                            var ri = (x3i * w3r) - (x3r * w3i);
                            var ar = x0r + ur;
                            var ai = x0i + ui;
                            var br = x0r - ur;
                            var bi = x0i - ui;
                            var sr = pr + rr;
                            var si = pi + ri;
                            var dr = pr - rr;
                            var di = pi - ri;
                            (ar + sr).StoreUnsafe(ref re, i0);
                            (ai + si).StoreUnsafe(ref im, i0);
                            (br - di).StoreUnsafe(ref re, i1);
                            (bi + dr).StoreUnsafe(ref im, i1);
                            (ar - sr).StoreUnsafe(ref re, i2);
                            (ai - si).StoreUnsafe(ref im, i2);
                            (br + di).StoreUnsafe(ref re, i3);
                            (bi - dr).StoreUnsafe(ref im, i3);
                        }
                        else
                        {
                            var sr = x0r + x2r;
                            var si = x0i + x2i;
                            var tr = x1r + x3r;
                            var ti = x1i + x3i;
                            var dr = x0r - x2r;
                            var di = x0i - x2i;
                            var er = x1r - x3r;
                            var ei = x1i - x3i;
                            (sr + tr).StoreUnsafe(ref re, i0);
                            (si + ti).StoreUnsafe(ref im, i0);
                            var mr = sr - tr;
                            var mi = si - ti;
                            ((mr * w2r) - (mi * w2i)).StoreUnsafe(ref re, i1);
                            ((mr * w2i) + (mi * w2r)).StoreUnsafe(ref im, i1);
                            var pr = dr + ei;
                            var pi = di - er;
                            ((pr * w1r) - (pi * w1i)).StoreUnsafe(ref re, i2);
                            ((pr * w1i) + (pi * w1r)).StoreUnsafe(ref im, i2);
                            var qr = dr - ei;
                            var qi = di + er;
                            ((qr * w3r) - (qi * w3i)).StoreUnsafe(ref re, i3);
                            ((qr * w3i) + (qi * w3r)).StoreUnsafe(ref im, i3);
                        }
                    }
                }
                for (; j < quarter; j++)
                {
                    int i0 = start + j;
                    int i1 = i0 + quarter;
                    int i2 = i1 + quarter;
                    int i3 = i2 + quarter;
                    int tw = quarter + j;
                    double w1r = _w1Re[tw], w1i = _w1Im[tw];
                    double w2r = _w2Re[tw], w2i = _w2Im[tw];
                    double w3r = _w3Re[tw], w3i = _w3Im[tw];
                    double x0r = Unsafe.Add(ref re, i0), x0i = Unsafe.Add(ref im, i0);
                    double x1r = Unsafe.Add(ref re, i1), x1i = Unsafe.Add(ref im, i1);
                    double x2r = Unsafe.Add(ref re, i2), x2i = Unsafe.Add(ref im, i2);
                    double x3r = Unsafe.Add(ref re, i3), x3i = Unsafe.Add(ref im, i3);
                    if (inverse)
                    {
                        double ur = (x1r * w2r) + (x1i * w2i), ui = (x1i * w2r) - (x1r * w2i);
                        double pr = (x2r * w1r) + (x2i * w1i), pi = (x2i * w1r) - (x2r * w1i);
                        double rr = (x3r * w3r) + (x3i * w3i), ri = (x3i * w3r) - (x3r * w3i);
                        double ar = x0r + ur, ai = x0i + ui, br = x0r - ur, bi = x0i - ui;
                        double sr = pr + rr, si = pi + ri, dr = pr - rr, di = pi - ri;
                        Unsafe.Add(ref re, i0) = ar + sr;
                        Unsafe.Add(ref im, i0) = ai + si;
                        Unsafe.Add(ref re, i1) = br - di;
                        Unsafe.Add(ref im, i1) = bi + dr;
                        Unsafe.Add(ref re, i2) = ar - sr;
                        Unsafe.Add(ref im, i2) = ai - si;
                        Unsafe.Add(ref re, i3) = br + di;
                        Unsafe.Add(ref im, i3) = bi - dr;
                    }
                    else
                    {
                        double sr = x0r + x2r, si = x0i + x2i, tr = x1r + x3r, ti = x1i + x3i;
                        double dr = x0r - x2r, di = x0i - x2i, er = x1r - x3r, ei = x1i - x3i;
                        Unsafe.Add(ref re, i0) = sr + tr;
                        Unsafe.Add(ref im, i0) = si + ti;
                        double mr = sr - tr, mi = si - ti;
                        Unsafe.Add(ref re, i1) = (mr * w2r) - (mi * w2i);
                        Unsafe.Add(ref im, i1) = (mr * w2i) + (mi * w2r);
                        double pr = dr + ei, pi = di - er;
                        Unsafe.Add(ref re, i2) = (pr * w1r) - (pi * w1i);
                        Unsafe.Add(ref im, i2) = (pr * w1i) + (pi * w1r);
                        double qr = dr - ei, qi = di + er;
                        Unsafe.Add(ref re, i3) = (qr * w3r) - (qi * w3i);
                        Unsafe.Add(ref im, i3) = (qr * w3i) + (qi * w3r);
                    }
                }
            }
        }

        // e^{-2πik/n}, exact at the quarter turns, where cos and sin of a rounded π leave residues like 6e-17.
        private static (double Re, double Im) Twiddle(int k, int n)
        {
            k %= n;
            if (k == 0)
            {
                return (1, 0);
            }
            if (4 * k == n)
            {
                return (0, -1);
            }
            if (2 * k == n)
            {
                return (-1, 0);
            }
            if (4 * k == 3 * n)
            {
                return (0, 1);
            }
            (double sin, double cos) = Math.SinCos(2 * Math.PI * k / n);
            return (cos, -sin);
        }

        private static uint ReverseBits(uint value)
        {
            value = ((value >> 1) & 0x55555555u) | ((value & 0x55555555u) << 1);
            value = ((value >> 2) & 0x33333333u) | ((value & 0x33333333u) << 2);
            value = ((value >> 4) & 0x0F0F0F0Fu) | ((value & 0x0F0F0F0Fu) << 4);
            value = ((value >> 8) & 0x00FF00FFu) | ((value & 0x00FF00FFu) << 8);
            return (value >> 16) | (value << 16);
        }
    }
}
