namespace Kiln.Engine;

public sealed record CheckResult(string Check, bool Passed, string? Detail = null);
