package db

import "testing"

func TestValidOrgNr(t *testing.T) {
	cases := map[string]bool{
		"921460929":  true,  // the example in the REST documents
		"923609016":  true,  // Equinor
		"974760673":  true,  // Brønnøysundregistrene
		"921460928":  false, // wrong check digit
		"92146092":   false,
		"9214609290": false,
		"92146092a":  false,
		"":           false,
	}
	for in, want := range cases {
		if got := ValidOrgNr(in); got != want {
			t.Errorf("ValidOrgNr(%q) = %v, want %v", in, got, want)
		}
	}
}
