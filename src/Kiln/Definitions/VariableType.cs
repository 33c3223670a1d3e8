namespace Kiln.Definitions;

public enum VariableType
{
    String,
    Number,
    Bool,
    List,
    Map,
}
