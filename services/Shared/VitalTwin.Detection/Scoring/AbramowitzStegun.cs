using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace VitalTwin.Detection;

// Formula 7.1.26 (|error| ≤ 1.5e-7, Erf(0) = 1e-9), evaluated as ML.NET's ProbabilityFunctions.Erf does:
// matching ML.NET's outputs needs this approximation, not the exact erf. ML.NET's polynomial is kept operation
// for operation (no fused multiply-adds); only e^(−x²) is computed here rather than by the C runtime, to within
// an ulp of it, so that it can run inline in vectors.
//
// The scalar and vector forms perform the same IEEE operations in the same order, so every lane gives the same
// bits as the scalar form: results do not depend on which of them a machine runs.
internal static class AbramowitzStegun
{
    private const double P = 0.3275911;
    private const double A1 = 0.254829592;
    private const double A2 = -0.284496736;
    private const double A3 = 1.421413741;
    private const double A4 = -1.453152027;
    private const double A5 = 1.061405429;

    // Below e^−40 the correction term is under half an ulp of 1, so erf is exactly ±1 whatever e^(−x²) is;
    // clamping there keeps the exponential away from underflow and its special cases.
    private const double MinExponent = -40;

    // e^y = 2^k · e^r with k = round(y / ln 2) and r = y − k·ln 2, |r| ≤ ln 2 / 2 (ln 2 in two parts, so that
    // k·ln2High is exact); e^r by its Taylor series to r^13 (truncation < 5e-18); 2^k written into the exponent.
    private const double Log2E = 1.4426950408889634;
    private const double Ln2High = 0.693359375;
    private const double Ln2Low = -2.1219444005469057e-4;

    // Adding 1.5·2^52 rounds to an integer and leaves it in the low bits of the significand.
    private const double RoundingShift = 6755399441055744;

    private const double C2 = 1.0 / 2;
    private const double C3 = 1.0 / 6;
    private const double C4 = 1.0 / 24;
    private const double C5 = 1.0 / 120;
    private const double C6 = 1.0 / 720;
    private const double C7 = 1.0 / 5040;
    private const double C8 = 1.0 / 40320;
    private const double C9 = 1.0 / 362880;
    private const double C10 = 1.0 / 3628800;
    private const double C11 = 1.0 / 39916800;
    private const double C12 = 1.0 / 479001600;
    private const double C13 = 1.0 / 6227020800;

    // For finite x. Infinite x needs no special case either: t = 0 makes the correction term 0.
    public static double Erf(double x)
    {
        double t = 1.0 / (1.0 + (P * Math.Abs(x)));
        double polynomial = (((((((((A5 * t) + A4) * t) + A3) * t) + A2) * t) + A1) * t);
        double erf = 1.0 - (polynomial * Exp(Math.Max(-(x * x), MinExponent)));
        return x >= 0 ? erf : -erf;
    }

    public static Vector512<double> Erf(Vector512<double> x)
    {
        var one = Vector512<double>.One;
        var t = one / (one + (Vector512.Create(P) * Vector512.Abs(x)));
        var polynomial = ((((((((Vector512.Create(A5) * t) + Vector512.Create(A4)) * t) + Vector512.Create(A3)) * t)
            + Vector512.Create(A2)) * t) + Vector512.Create(A1)) * t;
        var erf = one - (polynomial * Exp(Vector512.MaxNative(-(x * x), Vector512.Create(MinExponent))));
        return Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(x, Vector512<double>.Zero), erf, -erf);
    }

    public static Vector256<double> Erf(Vector256<double> x)
    {
        var one = Vector256<double>.One;
        var t = one / (one + (Vector256.Create(P) * Vector256.Abs(x)));
        var polynomial = ((((((((Vector256.Create(A5) * t) + Vector256.Create(A4)) * t) + Vector256.Create(A3)) * t)
            + Vector256.Create(A2)) * t) + Vector256.Create(A1)) * t;
        var erf = one - (polynomial * Exp(Vector256.MaxNative(-(x * x), Vector256.Create(MinExponent))));
        return Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x, Vector256<double>.Zero), erf, -erf);
    }

    // Estrin's scheme: pairs c_i + c_(i+1)·r combined by r², r⁴, r⁸, for a short dependency chain.
    private static double Exp(double y)
    {
        double shifted = Math.FusedMultiplyAdd(y, Log2E, RoundingShift);
        double k = shifted - RoundingShift;
        double r = Math.FusedMultiplyAdd(k, -Ln2High, y);
        r = Math.FusedMultiplyAdd(k, -Ln2Low, r);

        double r2 = r * r;
        double r4 = r2 * r2;
        double r8 = r4 * r4;
        double c01 = Math.FusedMultiplyAdd(r, 1, 1);
        double c23 = Math.FusedMultiplyAdd(r, C3, C2);
        double c45 = Math.FusedMultiplyAdd(r, C5, C4);
        double c67 = Math.FusedMultiplyAdd(r, C7, C6);
        double c89 = Math.FusedMultiplyAdd(r, C9, C8);
        double c1011 = Math.FusedMultiplyAdd(r, C11, C10);
        double c1213 = Math.FusedMultiplyAdd(r, C13, C12);
        double c0to7 = Math.FusedMultiplyAdd(Math.FusedMultiplyAdd(c67, r2, c45), r4, Math.FusedMultiplyAdd(c23, r2, c01));
        double c8to13 = Math.FusedMultiplyAdd(c1213, r4, Math.FusedMultiplyAdd(c1011, r2, c89));
        double series = Math.FusedMultiplyAdd(c8to13, r8, c0to7);

        ulong twoToK = ((ulong)BitConverter.DoubleToInt64Bits(shifted) + 1023) << 52;
        return series * BitConverter.UInt64BitsToDouble(twoToK);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Exp(Vector512<double> y)
    {
        var shifted = Vector512.FusedMultiplyAdd(y, Vector512.Create(Log2E), Vector512.Create(RoundingShift));
        var k = shifted - Vector512.Create(RoundingShift);
        var r = Vector512.FusedMultiplyAdd(k, Vector512.Create(-Ln2High), y);
        r = Vector512.FusedMultiplyAdd(k, Vector512.Create(-Ln2Low), r);

        var r2 = r * r;
        var r4 = r2 * r2;
        var r8 = r4 * r4;
        var c01 = Vector512.FusedMultiplyAdd(r, Vector512<double>.One, Vector512<double>.One);
        var c23 = Vector512.FusedMultiplyAdd(r, Vector512.Create(C3), Vector512.Create(C2));
        var c45 = Vector512.FusedMultiplyAdd(r, Vector512.Create(C5), Vector512.Create(C4));
        var c67 = Vector512.FusedMultiplyAdd(r, Vector512.Create(C7), Vector512.Create(C6));
        var c89 = Vector512.FusedMultiplyAdd(r, Vector512.Create(C9), Vector512.Create(C8));
        var c1011 = Vector512.FusedMultiplyAdd(r, Vector512.Create(C11), Vector512.Create(C10));
        var c1213 = Vector512.FusedMultiplyAdd(r, Vector512.Create(C13), Vector512.Create(C12));
        var c0to7 = Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(c67, r2, c45), r4, Vector512.FusedMultiplyAdd(c23, r2, c01));
        var c8to13 = Vector512.FusedMultiplyAdd(c1213, r4, Vector512.FusedMultiplyAdd(c1011, r2, c89));
        var series = Vector512.FusedMultiplyAdd(c8to13, r8, c0to7);

        var twoToK = (shifted.AsUInt64() + Vector512.Create(1023UL)) << 52;
        return series * twoToK.AsDouble();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Exp(Vector256<double> y)
    {
        var shifted = Vector256.FusedMultiplyAdd(y, Vector256.Create(Log2E), Vector256.Create(RoundingShift));
        var k = shifted - Vector256.Create(RoundingShift);
        var r = Vector256.FusedMultiplyAdd(k, Vector256.Create(-Ln2High), y);
        r = Vector256.FusedMultiplyAdd(k, Vector256.Create(-Ln2Low), r);

        var r2 = r * r;
        var r4 = r2 * r2;
        var r8 = r4 * r4;
        var c01 = Vector256.FusedMultiplyAdd(r, Vector256<double>.One, Vector256<double>.One);
        var c23 = Vector256.FusedMultiplyAdd(r, Vector256.Create(C3), Vector256.Create(C2));
        var c45 = Vector256.FusedMultiplyAdd(r, Vector256.Create(C5), Vector256.Create(C4));
        var c67 = Vector256.FusedMultiplyAdd(r, Vector256.Create(C7), Vector256.Create(C6));
        var c89 = Vector256.FusedMultiplyAdd(r, Vector256.Create(C9), Vector256.Create(C8));
        var c1011 = Vector256.FusedMultiplyAdd(r, Vector256.Create(C11), Vector256.Create(C10));
        var c1213 = Vector256.FusedMultiplyAdd(r, Vector256.Create(C13), Vector256.Create(C12));
        var c0to7 = Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(c67, r2, c45), r4, Vector256.FusedMultiplyAdd(c23, r2, c01));
        var c8to13 = Vector256.FusedMultiplyAdd(c1213, r4, Vector256.FusedMultiplyAdd(c1011, r2, c89));
        var series = Vector256.FusedMultiplyAdd(c8to13, r8, c0to7);

        var twoToK = (shifted.AsUInt64() + Vector256.Create(1023UL)) << 52;
        return series * twoToK.AsDouble();
    }
}
