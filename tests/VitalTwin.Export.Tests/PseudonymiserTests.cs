using System.Security.Cryptography;
using VitalTwin.Export.Pseudonymisation;

namespace VitalTwin.Export.Tests;

public sealed class PseudonymiserTests
{
    private static readonly byte[] Key = [.. Enumerable.Range(0, 32).Select(i => (byte)i)];

    [Fact]
    public void The_pseudonym_is_the_HMAC_SHA256_of_the_labelled_id_truncated_to_128_bits()
    {
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Key, (byte[])[.. "vitaltwin.export.pseudonym.v1"u8, 0, .. "MRN-0001"u8]).AsSpan(0, 16));

        Assert.Equal(expected, new Pseudonymiser(Key).Pseudonym("MRN-0001"));
        Assert.Matches("^[0-9a-f]{32}$", expected);
    }

    [Fact]
    public void Pseudonyms_and_shifts_depend_on_the_key_and_the_id_only()
    {
        var one = new Pseudonymiser(Key);
        var again = new Pseudonymiser(Key);
        var other = new Pseudonymiser(RandomNumberGenerator.GetBytes(32));

        Assert.Equal(one.Pseudonym("MRN-0001"), again.Pseudonym("MRN-0001"));
        Assert.Equal(one.TimeShift("MRN-0001"), again.TimeShift("MRN-0001"));
        Assert.Equal(one.KeyId, again.KeyId);
        Assert.NotEqual(one.Pseudonym("MRN-0001"), one.Pseudonym("MRN-0002"));
        Assert.NotEqual(one.Pseudonym("MRN-0001"), other.Pseudonym("MRN-0001"));
        Assert.NotEqual(one.KeyId, other.KeyId);
    }

    [Fact]
    public void Shifts_are_whole_weeks_between_10_and_110_years_and_spread_over_patients()
    {
        var pseudonymiser = new Pseudonymiser(Key);
        var shifts = Enumerable.Range(0, 2_000).Select(i => pseudonymiser.TimeShift($"MRN-{i:D5}")).ToList();

        Assert.All(shifts, shift =>
        {
            Assert.Equal(0, shift.Ticks % TimeSpan.FromDays(7).Ticks);
            Assert.InRange(shift.TotalDays / 7, Pseudonymiser.MinimumShiftWeeks, Pseudonymiser.MinimumShiftWeeks + Pseudonymiser.ShiftWeekChoices - 1);
        });
        // 2,000 draws from 5,200 choices: a working derivation gives well over a thousand distinct shifts.
        Assert.True(shifts.Distinct().Count() > 1_500);
    }

    [Fact]
    public void The_pseudonym_reveals_nothing_of_the_shift()
    {
        var pseudonymiser = new Pseudonymiser(Key);
        var pseudonym = Convert.FromHexString(pseudonymiser.Pseudonym("MRN-0001"));
        var shiftInput = HMACSHA256.HashData(Key, (byte[])[.. "vitaltwin.export.time-shift.v1"u8, 0, .. "MRN-0001"u8]);

        Assert.False(shiftInput.AsSpan(0, 16).SequenceEqual(pseudonym));
    }

    [Fact]
    public void A_key_shorter_than_32_bytes_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new Pseudonymiser(new byte[31]));
    }
}
