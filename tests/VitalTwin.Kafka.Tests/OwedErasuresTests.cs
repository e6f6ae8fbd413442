using VitalTwin.Consent;

namespace VitalTwin.Kafka.Tests;

public sealed class OwedErasuresTests
{
    [Fact]
    public void The_consent_offset_stops_at_the_earliest_record_whose_erasure_is_owed_until_it_is_settled()
    {
        var owed = new OwedErasures();
        Assert.Equal(12, owed.StorableOffset(12));

        owed.Add("p1", 7);
        owed.Add("p2", 9);
        owed.Add("p1", 11);  // a later record of the same patient does not move the first one

        Assert.Equal(7, owed.StorableOffset(12));
        owed.Settle("p1");
        Assert.Equal(9, owed.StorableOffset(12));
        Assert.Equal(["p2"], owed.Patients);
        owed.Settle("p2");
        Assert.Equal((0, 12L), (owed.Count, owed.StorableOffset(12)));
    }
}
