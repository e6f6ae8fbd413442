namespace VitalTwin.TwinState.History;

/// <summary>A history query that cannot be answered as asked; the message says what to change.</summary>
/// <remarks>Messages never contain patient identifiers or values, so they are safe to return to a client and to log.</remarks>
public sealed class InvalidHistoryQueryException : ArgumentException
{
    public InvalidHistoryQueryException()
    {
    }

    public InvalidHistoryQueryException(string message)
        : base(message)
    {
    }

    public InvalidHistoryQueryException(string message, string? paramName)
        : base(message, paramName)
    {
    }

    public InvalidHistoryQueryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A point in a write batch that cannot be stored; nothing of the batch was written.</summary>
/// <remarks>Messages name the point by its index in the batch, never by patient or value.</remarks>
public sealed class InvalidVitalPointException : ArgumentException
{
    public InvalidVitalPointException()
    {
    }

    public InvalidVitalPointException(string message)
        : base(message)
    {
    }

    public InvalidVitalPointException(string message, string? paramName)
        : base(message, paramName)
    {
    }

    public InvalidVitalPointException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The history store answered a write with an error that retrying will not fix (bad request, unauthorised,
/// unknown database…). The server's own message is left out on purpose: it can quote the offending line,
/// patient identifier included.
/// </summary>
public sealed class VitalsWriteRejectedException : Exception
{
    public VitalsWriteRejectedException()
    {
    }

    public VitalsWriteRejectedException(string message)
        : base(message)
    {
    }

    public VitalsWriteRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public VitalsWriteRejectedException(int statusCode, int pointCount)
        : base($"The history store refused a batch of {pointCount} points with HTTP status {statusCode}.")
    {
        StatusCode = statusCode;
    }

    /// <summary>The HTTP status the store answered with.</summary>
    public int StatusCode { get; }
}

/// <summary>The history store refused to delete a patient's history for a reason a retry cannot fix.</summary>
/// <remarks>The server's message is left out: it can quote the predicate, and with it the patient id.</remarks>
public sealed class VitalsDeleteRejectedException : Exception
{
    public VitalsDeleteRejectedException()
    {
    }

    public VitalsDeleteRejectedException(string message)
        : base(message)
    {
    }

    public VitalsDeleteRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public VitalsDeleteRejectedException(int statusCode)
        : base($"The history store refused to delete a patient's history with HTTP status {statusCode}.")
    {
        StatusCode = statusCode;
    }

    /// <summary>The HTTP status the store answered with.</summary>
    public int StatusCode { get; }
}
