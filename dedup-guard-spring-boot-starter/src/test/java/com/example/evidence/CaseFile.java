package com.example.evidence;

/** Stands in for the README's quick-start entity, which the README's properties block names. */
public class CaseFile {
}
