using System.Numerics;

namespace VitalTwin.Detection.Tests;

public sealed class SsaStabilizerTests
{
    [Fact]
    public void Coefficients_and_roots_round_trip()
    {
        Complex[] roots = [0.5, -0.3, Complex.FromPolarCoordinates(0.8, 0.7), Complex.FromPolarCoordinates(0.8, -0.7), 0, 1.1];

        Assert.True(LrrStabilizer.TryFindCoefficients(roots, out double[] coefficients));
        Assert.True(LrrStabilizer.TryFindRoots(coefficients, out var found));
        Assert.True(LrrStabilizer.TryFindCoefficients(found, out double[] again));

        for (int i = 0; i < coefficients.Length; i++)
        {
            Assert.Equal(coefficients[i], again[i], 1e-12);
        }

        // A zero root makes the constant term 0, as in ML.NET.
        Assert.Equal(0, coefficients[0]);
    }

    [Fact]
    public void A_complex_root_without_its_conjugate_has_no_real_polynomial()
    {
        Assert.False(LrrStabilizer.TryFindCoefficients([new Complex(0.5, 0.5), new Complex(0.5, 0.4)], out _));
    }

    [Fact]
    public void Growing_high_frequency_roots_are_pulled_onto_the_unit_circle()
    {
        // Roots 1.2·e^(±2.5i): z² − 2.4·cos(2.5)·z + 1.44, i.e. α = [−1.44, 2.4·cos 2.5].
        double[] alpha = [-1.44, 2.4 * Math.Cos(2.5)];

        Assert.True(LrrStabilizer.Stabilize(alpha, double.PositiveInfinity));

        Assert.Equal(-1, alpha[0], 1e-12);
        Assert.Equal(2 * Math.Cos(2.5), alpha[1], 1e-12);
    }

    [Fact]
    public void An_exponential_trend_is_capped_at_the_growth_ratio()
    {
        // Roots 1.5 and 0.5; a growth ratio of 1.1 moves 1.5 to 1.1: (z − 1.1)(z − 0.5) = z² − 1.6z + 0.55.
        double[] alpha = [-0.75, 2.0];

        Assert.True(LrrStabilizer.Stabilize(alpha, 1.1));

        Assert.Equal(-0.55, alpha[0], 1e-12);
        Assert.Equal(1.6, alpha[1], 1e-12);
    }

    [Theory]
    [InlineData(1.7, 1)]
    [InlineData(-3, -1)]
    [InlineData(0.4, 0.4)]
    public void A_single_coefficient_is_clamped_to_plus_or_minus_one(double coefficient, double expected)
    {
        double[] alpha = [coefficient];

        Assert.True(LrrStabilizer.Stabilize(alpha, double.PositiveInfinity));

        Assert.Equal(expected, alpha[0]);
    }
}
