namespace VitalTwin.TwinState.Snapshots;

/// <summary>The snapshot store could not do what was asked; the inner exception holds the store's own error.</summary>
public class SnapshotStoreException : Exception
{
    public SnapshotStoreException()
    {
    }

    public SnapshotStoreException(string message)
        : base(message)
    {
    }

    public SnapshotStoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A save carried an ETag that no longer matches the stored snapshot: someone else wrote it since.</summary>
public sealed class SnapshotConflictException : SnapshotStoreException
{
    public SnapshotConflictException()
    {
    }

    public SnapshotConflictException(string message)
        : base(message)
    {
    }

    public SnapshotConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
