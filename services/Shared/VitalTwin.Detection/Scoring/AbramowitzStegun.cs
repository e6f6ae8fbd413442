namespace VitalTwin.Detection;

internal static class AbramowitzStegun
{
    // Formula 7.1.26 (|error| ≤ 1.5e-7, Erf(0) = 1e-9), evaluated as ML.NET's ProbabilityFunctions.Erf does:
    // matching ML.NET's outputs needs this approximation, not the exact erf.
    public static double Erf(double x)
    {
        if (double.IsInfinity(x))
        {
            return double.IsPositiveInfinity(x) ? 1.0 : -1.0;
        }

        const double p = 0.3275911;
        const double a1 = 0.254829592;
        const double a2 = -0.284496736;
        const double a3 = 1.421413741;
        const double a4 = -1.453152027;
        const double a5 = 1.061405429;
        double t = 1.0 / (1.0 + (p * Math.Abs(x)));
        double erf = 1.0 - ((((((((a5 * t) + a4) * t) + a3) * t) + a2) * t) + a1) * t * Math.Exp(-(x * x));
        return x >= 0 ? erf : -erf;
    }
}
