using System.Numerics;
using MathNet.Numerics;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Factorization;

namespace VitalTwin.Detection;

// ML.NET's SSA Stabilize() (DETECTORS.md §1.7) and the PolynomialUtils it relies on: move the roots of the
// recurrence's characteristic polynomial z^(L−1) − Σ α_i z^i so that forecasts neither explode nor oscillate at
// frequencies the window never saw, then rebuild α from the moved roots. Runs once, at training.
internal static class LrrStabilizer
{
    private const double Eps = 1e-9;
    private const double HighFrequencyBoundary = Math.PI / 2;
    private const double ZeroTolerance = 2.22e-100;

    public static bool Stabilize(double[] alpha, double maxTrendRatio)
    {
        int n = alpha.Length;
        if (n == 1)
        {
            if (alpha[0] > 1)
            {
                alpha[0] = 1;
            }
            else if (alpha[0] < -1)
            {
                alpha[0] = -1;
            }

            return true;
        }

        var coefficients = new double[n];
        for (int i = 0; i < n; i++)
        {
            coefficients[i] = -alpha[i];
        }

        if (!TryFindRoots(coefficients, out var roots))
        {
            return false;
        }

        var trendComponents = new List<int>();
        for (int i = 0; i < n; i++)
        {
            if (roots[i].Magnitude > 1 && (Math.Abs(roots[i].Phase) <= Eps || Math.Abs(Math.Abs(roots[i].Phase) - Math.PI) <= Eps))
            {
                trendComponents.Add(i);
            }
        }

        // A seasonality longer than the window cannot have been observed: make it a (polynomial) trend instead.
        bool polynomialTrendFound = false;
        var seasonal = new List<SeasonalComponent>();
        for (int i = 0; i < n; i++)
        {
            if (roots[i].Phase != 0)
            {
                if (roots[i].Magnitude >= 1 && 2 * Math.PI / Math.Abs(roots[i].Phase) > n + 1)
                {
                    roots[i] = new Complex(roots[i].Real, 0);
                    polynomialTrendFound = true;
                }
                else if (roots[i].Magnitude > 1)
                {
                    seasonal.Add(new SeasonalComponent(roots[i].Phase, i));
                }
            }
        }

        if (maxTrendRatio > 1)
        {
            if (seasonal.Count > 1 && polynomialTrendFound)
            {
                MergeCloseSeasonalities(seasonal, roots);
            }

            if (!polynomialTrendFound)
            {
                polynomialTrendFound = MergeExponentialTrends(trendComponents, roots);
            }
        }

        double maxTrendMagnitude;
        if (polynomialTrendFound)
        {
            maxTrendMagnitude = Math.Min(1, maxTrendRatio);
            foreach (int index in trendComponents)
            {
                roots[index] = Complex.FromPolarCoordinates(0.99, roots[index].Phase);
            }
        }
        else
        {
            bool trendFound = false;
            maxTrendMagnitude = double.NegativeInfinity;
            for (int i = 0; i < n; i++)
            {
                if (roots[i].Magnitude > 1 && Math.Abs(roots[i].Phase) <= Eps)
                {
                    trendFound = true;
                    maxTrendMagnitude = Math.Max(maxTrendMagnitude, roots[i].Magnitude);
                }
            }

            if (!trendFound)
            {
                maxTrendMagnitude = 1;
            }

            maxTrendMagnitude = Math.Min(maxTrendMagnitude, maxTrendRatio);
        }

        double smallTrendMagnitude = Math.Min(maxTrendMagnitude, (maxTrendMagnitude + 1) / 2);
        for (int i = 0; i < n; i++)
        {
            if (roots[i].Magnitude >= maxTrendMagnitude)
            {
                double phase = roots[i].Phase;
                bool highFrequency = (HighFrequencyBoundary < phase && phase < Math.PI - Eps) || (-Math.PI + Eps < phase && phase < -HighFrequencyBoundary);
                roots[i] = Complex.FromPolarCoordinates(highFrequency ? smallTrendMagnitude : maxTrendMagnitude, phase);
            }
        }

        for (int i = 0; i < n; i++)
        {
            double phase = roots[i].Phase;
            if (Math.Abs(phase) <= Eps)
            {
                roots[i] = new Complex(roots[i].Magnitude, 0);
            }
            else if (Math.Abs(phase - Math.PI) <= Eps || Math.Abs(phase + Math.PI) <= Eps)
            {
                roots[i] = new Complex(-roots[i].Magnitude, 0);
            }
        }

        double[] stabilized;
        try
        {
            if (!TryFindCoefficients(roots, out stabilized))
            {
                return false;
            }
        }
        catch (OverflowException)
        {
            return false;
        }

        for (int i = 0; i < n; i++)
        {
            alpha[i] = -stabilized[i];
        }

        return true;
    }

    private static void MergeCloseSeasonalities(List<SeasonalComponent> components, Complex[] roots)
    {
        components.Sort((a, b) => a.Phase.CompareTo(b.Phase));
        int cluster = 0;
        for (int i = 0; i < components.Count - 1; i++)
        {
            if ((components[i].Phase < 0 && components[i + 1].Phase < 0) || (components[i].Phase > 0 && components[i + 1].Phase > 0))
            {
                components[i].Cluster = cluster;
                if (Math.Abs(components[i + 1].Phase - components[i].Phase) > 0.05)
                {
                    cluster++;
                }

                components[i + 1].Cluster = cluster;
            }
            else
            {
                cluster++;
            }
        }

        // As in ML.NET, a cluster is closed by the next one, so the last cluster is never merged.
        int start = 0;
        for (int i = 1; i < components.Count; i++)
        {
            if (components[i].Cluster != components[i - 1].Cluster)
            {
                if (i - start > 1)
                {
                    double phase = 0;
                    double magnitude = 0;
                    for (int j = start; j < i; j++)
                    {
                        phase += components[j].Phase;
                        magnitude += roots[components[j].Index].Magnitude;
                    }

                    phase /= i - start;
                    magnitude /= i - start;
                    for (int j = start; j < i; j++)
                    {
                        roots[components[j].Index] = Complex.FromPolarCoordinates(magnitude, phase);
                    }
                }

                start = i;
            }
        }
    }

    private static bool MergeExponentialTrends(List<int> trendComponents, Complex[] roots)
    {
        int first = -1;
        foreach (int index in trendComponents)
        {
            if (Math.Abs(roots[index].Phase) <= Eps)
            {
                first = index;
                break;
            }
        }

        int second = -1;
        for (int i = 0; i < roots.Length; i++)
        {
            if (Math.Abs(roots[i].Phase) <= Eps && roots[i].Magnitude >= 0.9 && i != first)
            {
                second = i;
                break;
            }
        }

        if (first < 0 || second < 0)
        {
            return false;
        }

        roots[first] = Complex.FromPolarCoordinates(1, 0);
        roots[second] = Complex.FromPolarCoordinates(1, 0);
        return true;
    }

    // Roots of z^n + c_(n−1)·z^(n−1) + … + c_0, as eigenvalues of the companion matrix.
    internal static bool TryFindRoots(double[] coefficients, out Complex[] roots)
    {
        int n = coefficients.Length;
        roots = new Complex[n];
        int zeros = 0;
        while (zeros < n && Math.Abs(coefficients[zeros]) <= ZeroTolerance)
        {
            roots[n - zeros - 1] = Complex.Zero;
            zeros++;
        }

        int m = n - zeros;
        if (m == 0)
        {
            return true;
        }

        if (m == 1)
        {
            roots[0] = new Complex(-coefficients[zeros], 0);
        }
        else if (m == 2)
        {
            double b = coefficients[zeros + 1];
            double c = coefficients[zeros];
            double delta = (b * b) - (4 * c);
            double sqrtDelta = Math.Sqrt(Math.Abs(delta));
            (roots[0], roots[1]) = delta >= 0
                ? (new Complex((-b + sqrtDelta) / 2, 0), new Complex((-b - sqrtDelta) / 2, 0))
                : (new Complex(-b / 2, sqrtDelta / 2), new Complex(-b / 2, -sqrtDelta / 2));
        }
        else
        {
            var companion = Matrix<double>.Build.Dense(m, m);
            for (int i = 1; i < m; i++)
            {
                companion[i, i - 1] = 1;
            }

            for (int i = 0; i < m; i++)
            {
                companion[i, m - 1] = -coefficients[zeros + i];
            }

            try
            {
                var eigenvalues = companion.Evd(Symmetricity.Asymmetric).EigenValues;
                for (int i = 0; i < m; i++)
                {
                    roots[i] = eigenvalues[i];
                }
            }
            catch (NonConvergenceException)
            {
                return false;
            }
        }

        return true;
    }

    // The monic polynomial with these roots (low order first, leading 1 implied). Conjugate roots must pair up
    // exactly. Factors are multiplied in decimal, smallest key with largest, as ML.NET does to limit cancellation.
    internal static bool TryFindCoefficients(Complex[] roots, out double[] coefficients)
    {
        int n = roots.Length;
        coefficients = new double[n];
        var unpaired = new Dictionary<Complex, int>();
        var factors = new List<PolynomialFactor>();
        int zeroRoots = 0;

        foreach (var root in roots)
        {
            if (double.IsNaN(root.Real) || double.IsNaN(root.Imaginary))
            {
                return false;
            }

            if (root.Equals(Complex.Zero))
            {
                zeroRoots++;
            }
            else if (root.Imaginary == 0)
            {
                factors.Add(new PolynomialFactor([(decimal)-root.Real]));
            }
            else
            {
                var conjugate = Complex.Conjugate(root);
                if (unpaired.TryGetValue(conjugate, out int count))
                {
                    factors.Add(new PolynomialFactor([
                        (decimal)((root.Real * root.Real) + (root.Imaginary * root.Imaginary)),
                        (decimal)(-2 * root.Real),
                    ]));
                    if (count <= 1)
                    {
                        unpaired.Remove(conjugate);
                    }
                    else
                    {
                        unpaired[conjugate] = count - 1;
                    }
                }
                else
                {
                    unpaired[root] = unpaired.GetValueOrDefault(root) + 1;
                }
            }
        }

        if (unpaired.Count > 0)
        {
            return false;
        }

        var byKey = Comparer<PolynomialFactor>.Create((x, y) => x.Key.CompareTo(y.Key));
        factors.Sort(byKey);
        var destination = new decimal[n];
        if (zeroRoots < n - 1)
        {
            while (factors.Count > 1)
            {
                PolynomialFactor first;
                if (Math.Abs(factors[0].Key) < Math.Abs(factors[^1].Key))
                {
                    first = factors[0];
                    factors.RemoveAt(0);
                }
                else
                {
                    first = factors[^1];
                    factors.RemoveAt(factors.Count - 1);
                }

                int index = factors.BinarySearch(new PolynomialFactor(-first.Key), byKey);
                index = Math.Min(factors.Count - 1, index < 0 ? ~index : index);
                var second = factors[index];
                factors.RemoveAt(index);

                first.Multiply(second, destination);

                index = factors.BinarySearch(first, byKey);
                factors.Insert(index >= 0 ? index : ~index, first);
            }
        }

        if (zeroRoots < n)
        {
            var product = factors[0].Coefficients;
            for (int i = zeroRoots; i < n; i++)
            {
                coefficients[i] = decimal.ToDouble(product[i - zeroRoots]);
            }
        }

        return true;
    }

    private sealed class SeasonalComponent(double phase, int index)
    {
        public double Phase { get; } = phase;

        public int Index { get; } = index;

        public int Cluster { get; set; }
    }

    // Monic: the leading 1 is implied.
    private sealed class PolynomialFactor
    {
        public PolynomialFactor(decimal[] coefficients)
        {
            Coefficients = [.. coefficients];
            SetKey();
        }

        public PolynomialFactor(decimal key)
        {
            Coefficients = [];
            Key = key;
        }

        public List<decimal> Coefficients { get; }

        public decimal Key { get; private set; }

        public void Multiply(PolynomialFactor other, decimal[] destination)
        {
            int uLength = Coefficients.Count;
            int vLength = other.Coefficients.Count;
            var u = Coefficients;
            var v = other.Coefficients;
            if (vLength < uLength)
            {
                (u, v) = (v, u);
                (uLength, vLength) = (vLength, uLength);
            }

            // (z^U + u(z))·(z^V + v(z)): the cross terms with the implied leading ones, then the convolution u·v.
            int length = uLength + vLength - 1;
            for (int i = 0; i <= length; i++)
            {
                int b = Math.Min(uLength, i + 1) - 1;
                int a = i >= Math.Max(uLength, vLength) ? length - i : b + 1;
                int c = Math.Max(0, i - uLength + 1);
                decimal sum = 0;
                if (i >= uLength)
                {
                    sum = v[i - uLength];
                }

                if (i >= vLength)
                {
                    sum += u[i - vLength];
                }

                for (int j = 0; j < a; j++)
                {
                    sum += u[b - j] * v[c + j];
                }

                destination[i] = sum;
            }

            Coefficients.Clear();
            for (int i = 0; i <= length; i++)
            {
                Coefficients.Add(destination[i]);
            }

            SetKey();
        }

        private void SetKey()
        {
            decimal largest = -1;
            foreach (decimal coefficient in Coefficients)
            {
                if (Math.Abs(coefficient) > largest)
                {
                    largest = Math.Abs(coefficient);
                    Key = coefficient;
                }
            }
        }
    }
}
