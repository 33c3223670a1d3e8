namespace Kiln.Engine;

/// <summary>
/// Something a build creates outside its own process. It is written to the ledger before it is created, so a
/// later run can sweep it with nothing but this record. <see cref="Data"/> holds what the sweeper needs
/// (a pid and its start time, a region, a socket path); never a secret.
/// </summary>
public sealed record LedgerResource(string Kind, string Id, IReadOnlyDictionary<string, string> Data)
{
    public LedgerResource(string kind, string id) : this(kind, id, new Dictionary<string, string>()) { }
}
