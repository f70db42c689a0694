package engine

import (
	"net/http"

	"ipdesk/katapult"
)

// GET /data_centers: every data center, its country as {id, name}.
func (e *Engine) listDataCenters(w http.ResponseWriter, _ *http.Request, _ *token) error {
	out := make([]dataCenterBriefJSON, 0, len(e.cat.dataCenters))
	for _, dc := range e.cat.dataCenters {
		out = append(out, dataCenterBriefView(dc))
	}
	return writeJSON(w, http.StatusOK, struct {
		DataCenters []dataCenterBriefJSON `json:"data_centers"`
	}{out})
}

// GET /data_centers/:data_center
func (e *Engine) getDataCenter(w http.ResponseWriter, r *http.Request, _ *token) error {
	dc, err := e.dataCenter(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, struct {
		DataCenter dataCenterBriefJSON `json:"data_center"`
	}{dataCenterBriefView(dc)})
}

// GET /data_centers/:data_center/default_network. A data center the seed
// gave no default network answers network_not_found.
func (e *Engine) defaultNetwork(w http.ResponseWriter, r *http.Request, _ *token) error {
	dc, err := e.dataCenter(r)
	if err != nil {
		return err
	}
	if dc.defaultNetwork == nil {
		return apiError(katapult.CodeNetworkNotFound)
	}
	return writeJSON(w, http.StatusOK, struct {
		Network networkBriefJSON `json:"network"`
	}{networkBriefView(dc.defaultNetwork)})
}

func (e *Engine) dataCenter(r *http.Request) (*dataCenter, error) {
	lk, err := queryLookup(r, "data_center")
	if err != nil {
		return nil, err
	}
	dc, ok := e.cat.dataCenterBy.find(lk)
	if !ok {
		return nil, apiError(katapult.CodeDataCenterNotFound)
	}
	return dc, nil
}
