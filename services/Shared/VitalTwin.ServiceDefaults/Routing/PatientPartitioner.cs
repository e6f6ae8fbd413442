namespace VitalTwin.ServiceDefaults.Routing;

/// <summary>
/// The partition the producers put a patient's events on: librdkafka's default partitioner (consistent_random), a
/// CRC-32 of the key modulo the partition count. It must stay the producers' partitioner, else calls are sent to a
/// replica that does not hold the patient.
/// </summary>
public static class PatientPartitioner
{
    private static readonly uint[] Table = BuildTable();

    public static int PartitionOf(string patientId, int partitions)
    {
        ArgumentException.ThrowIfNullOrEmpty(patientId);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        var crc = 0xFFFFFFFFu;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(patientId))
        {
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }
        return (int)(~crc % (uint)partitions);
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (var n = 0u; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }
            table[n] = c;
        }
        return table;
    }
}
