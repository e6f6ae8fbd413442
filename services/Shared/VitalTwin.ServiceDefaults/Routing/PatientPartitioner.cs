using System.IO.Hashing;
using System.Text;

namespace VitalTwin.ServiceDefaults.Routing;

/// <summary>
/// The partition the producers put a patient's events on: librdkafka's default partitioner (consistent_random), a
/// CRC-32 of the key modulo the partition count. It must stay the producers' partitioner, else calls are sent to a
/// replica that does not hold the patient.
/// </summary>
public static class PatientPartitioner
{
    public static int PartitionOf(string patientId, int partitions)
    {
        ArgumentException.ThrowIfNullOrEmpty(patientId);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        // librdkafka's rd_crc32 is zlib's CRC-32, the IEEE polynomial that Crc32 computes.
        return (int)(Crc32.HashToUInt32(Encoding.UTF8.GetBytes(patientId)) % (uint)partitions);
    }
}
